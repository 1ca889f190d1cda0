//! What a view run does, decided from its flags alone (and so tested without a display): who
//! drives the agents, whether the simulation steps at real time or once per drawn frame, how
//! many frames to draw, and the HUD's line about it.

use bevy_gym_policy::PolicyArgs;

use crate::args::ViewArgs;

/// Who drives the agents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// HTTP clients, as with the game's headless binary (with `--policy FILE --policy-agents L`,
    /// the policy drives those agents inside the game and the clients the others).
    Serve,
    /// A trained policy drives every agent until the window closes.
    Policy,
    /// A trained policy plays `--episodes N` evaluation episodes (exactly those of the headless
    /// binary's `--policy FILE --episodes N`), then the run prints their summary and ends.
    Evaluate(u64),
    /// Seeded random actions.
    Random,
    /// A human: agent 0 follows the keys; the others stand still.
    Keyboard,
}

/// A view run, decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub mode: Mode,
    /// One step per drawn frame (captures), rather than real time.
    pub per_frame: bool,
    /// Frames to draw before exiting (`--frames`, or 120 with `--screenshot`).
    pub frames: Option<u32>,
    /// What drives the agents, for the HUD.
    pub describe: String,
    /// The keys line of the HUD.
    pub keys: &'static str,
}

const KEYS_WATCH: &str =
    "mouse drag/arrows: orbit | wheel/PgUp/PgDn: zoom | Tab: arena | Esc: quit";
const KEYS_WATCH_RESET: &str =
    "mouse drag/arrows: orbit | wheel/PgUp/PgDn: zoom | Tab: arena | R: reset | Esc: quit";
const KEYS_PLAY: &str = "arrows/WASD: move | shift, space: as the game maps them | R: reset | mouse: orbit | wheel: zoom | Esc: quit";

/// The run the flags ask for, or a one-line reason why they make none. (clap has already
/// refused the conflicting combinations: --play with --policy or --demo, --policy-agents with
/// captures, --record without --frames.)
pub fn plan(view: &ViewArgs, policy: &PolicyArgs) -> Result<Plan, String> {
    if let Some(path) = &view.screenshot
        && path
            .extension()
            .is_none_or(|e| !e.eq_ignore_ascii_case("png"))
    {
        return Err(format!(
            "--screenshot {}: expected a path ending in .png",
            path.display()
        ));
    }
    let capturing = view.frames.is_some() || view.screenshot.is_some();
    let frames = view
        .frames
        .or_else(|| view.screenshot.is_some().then_some(120));
    let speed = view.speed;
    let (mode, describe, keys) = match (policy.describe(), view.play, view.demo) {
        (_, true, _) => (Mode::Keyboard, "you play agent 0".to_string(), KEYS_PLAY),
        (Some(what), _, _) if policy.policy_agents.is_some() => {
            let agents = policy.policy_agents.clone().unwrap_or_default();
            let describe = format!("serving: {what} drives agents {agents:?}");
            (Mode::Serve, describe, KEYS_WATCH)
        }
        (Some(what), _, _) => match policy.episodes {
            Some(n) => (
                Mode::Evaluate(n),
                format!("{what}: {n} evaluation episodes at {speed}x"),
                KEYS_WATCH,
            ),
            None => (
                Mode::Policy,
                format!("{what} at {speed}x"),
                KEYS_WATCH_RESET,
            ),
        },
        (None, _, true) => (
            Mode::Random,
            format!("random actions at {speed}x"),
            KEYS_WATCH_RESET,
        ),
        (None, _, false) if capturing => (
            Mode::Random,
            format!("random actions at {speed}x"),
            KEYS_WATCH_RESET,
        ),
        (None, _, false) => (
            Mode::Serve,
            "serving: the clients drive".to_string(),
            KEYS_WATCH,
        ),
    };
    if view.print_state && mode == Mode::Serve {
        return Err(
            "--print-state prints the state a run ends with; expected a mode that steps \
                    by itself (--play, --policy, --demo or --frames), not serving"
                .into(),
        );
    }
    Ok(Plan {
        per_frame: capturing && mode != Mode::Serve,
        mode,
        frames,
        describe,
        keys,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn policy(agents: Option<Vec<usize>>, episodes: Option<u64>) -> PolicyArgs {
        PolicyArgs {
            policy: Some(PathBuf::from("p.safetensors")),
            policy_agents: agents,
            episodes,
            ..PolicyArgs::default()
        }
    }

    #[test]
    fn the_flags_pick_the_mode() {
        let none = PolicyArgs::default();
        let view = ViewArgs::default();
        assert_eq!(plan(&view, &none).unwrap().mode, Mode::Serve);
        let play = ViewArgs {
            play: true,
            ..ViewArgs::default()
        };
        assert_eq!(plan(&play, &none).unwrap().mode, Mode::Keyboard);
        let demo = ViewArgs {
            demo: true,
            ..ViewArgs::default()
        };
        assert_eq!(plan(&demo, &none).unwrap().mode, Mode::Random);
        assert_eq!(plan(&view, &policy(None, None)).unwrap().mode, Mode::Policy);
        assert_eq!(
            plan(&view, &policy(Some(vec![0, 2]), None)).unwrap().mode,
            Mode::Serve,
            "a policy for some agents serves the others"
        );
        assert_eq!(
            plan(&view, &policy(None, Some(5))).unwrap().mode,
            Mode::Evaluate(5)
        );
    }

    #[test]
    fn captures_step_once_per_frame_and_default_to_random_actions() {
        let shot = ViewArgs {
            screenshot: Some("v.png".into()),
            ..ViewArgs::default()
        };
        let plan_ = plan(&shot, &PolicyArgs::default()).unwrap();
        assert_eq!(
            (plan_.mode, plan_.per_frame, plan_.frames),
            (Mode::Random, true, Some(120))
        );
        let watched = plan(
            &ViewArgs {
                frames: Some(7),
                ..ViewArgs::default()
            },
            &policy(None, None),
        )
        .unwrap();
        assert_eq!(
            (watched.mode, watched.per_frame, watched.frames),
            (Mode::Policy, true, Some(7))
        );
        let live = plan(&ViewArgs::default(), &policy(None, None)).unwrap();
        assert!(!live.per_frame);
    }

    #[test]
    fn bad_combinations_say_what_was_expected() {
        let jpeg = ViewArgs {
            screenshot: Some("v.jpg".into()),
            ..ViewArgs::default()
        };
        let err = plan(&jpeg, &PolicyArgs::default()).unwrap_err();
        assert!(err.contains("expected a path ending in .png"), "{err}");
        let serving = ViewArgs {
            print_state: true,
            ..ViewArgs::default()
        };
        let err = plan(&serving, &PolicyArgs::default()).unwrap_err();
        assert!(err.contains("not serving"), "{err}");
    }
}
