//! A game binary's whole command line: the plugin's simulation and serving flags plus one flag per
//! game option, so each game states only its name and one line about itself.

use clap::{ArgMatches, Command, CommandFactory, FromArgMatches, Parser};

use crate::game::GymGame;
use crate::options;
use crate::serve::ServeArgs;
use crate::settings::{SimArgs, SimSettings};

#[derive(Parser, Debug, Clone)]
#[command(version)]
struct GameCli {
    #[command(flatten)]
    sim: SimArgs,
    #[command(flatten)]
    serve: ServeArgs,
}

/// Game `G`'s command (`name`, `about`): simulation and serving flags and its options' flags.
/// Extend it with more flags (`Args::augment_args`) before parsing with [`settings_from`].
pub fn game_command<G: GymGame>(name: &'static str, about: &'static str) -> Command {
    let command = GameCli::command()
        .name(name)
        .about(about)
        .mut_arg("agents", |arg| {
            arg.default_value(G::DEFAULT_AGENTS.to_string())
        });
    options::augment(command, G::OPTIONS)
}

/// The simulation settings (with the game options given) and serving flags in `matches`.
pub fn settings_from<G: GymGame>(
    matches: &ArgMatches,
) -> Result<(SimSettings, ServeArgs), clap::Error> {
    let cli = GameCli::from_arg_matches(matches)?;
    let game_options = options::from_matches(G::OPTIONS, matches);
    Ok((cli.sim.settings::<G>(game_options), cli.serve))
}

/// Parses game `G`'s command line (see [`game_command`]).
pub fn parse_cli<G, I, T>(
    name: &'static str,
    about: &'static str,
    args: I,
) -> Result<(SimSettings, ServeArgs), clap::Error>
where
    G: GymGame,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    settings_from::<G>(&game_command::<G>(name, about).try_get_matches_from(args)?)
}
