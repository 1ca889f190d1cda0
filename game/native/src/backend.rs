//! One game's environment behind an object-safe trait, so that one Python class serves every
//! game: built from the game's own command line and app builder, as its server binary is.

use bevy::app::App;
use bevy_gym_server::protocol::ObsKind;
use bevy_gym_server::raster::encode_tiled_png;
use bevy_gym_server::{EnvError, Environment, GymGame, ImageSpec, ResetRequest, SimSettings};

/// Builds a game's app from its settings: the same function its server binary calls
/// (`bevy_gym_dodge::app`), so the extension and the server cannot drift apart.
pub type AppBuilder = fn(SimSettings) -> App;

/// What the Python class asks of an environment, whatever the game.
pub trait Backend {
    /// `GET /spec`'s document.
    fn spec_json(&self) -> Result<String, EnvError>;
    /// `GET /state`'s document.
    fn state_json(&mut self) -> String;
    /// `POST /v1/reset`.
    fn reset(&mut self, request: ResetRequest) -> Result<(), EnvError>;
    /// `POST /v1/step`: the binary action body, decoded as the server decodes it.
    fn step_binary(&mut self, body: &[u8], reset: &[usize]) -> Result<(), EnvError>;
    /// Computes the observations of `kind` (vector or pixels) into the environment's buffers.
    fn compute(&mut self, kind: ObsKind) -> Result<(), EnvError>;
    /// The last computed vector observations, agent-major, `stride` floats per agent.
    fn observed(&self) -> &[f32];
    /// The last rendered images, agent-major, H×W×C each.
    fn rendered(&self) -> &[u8];
    fn rewards(&self) -> &[f32];
    fn terminated(&self) -> &[bool];
    fn truncated(&self) -> &[bool];
    fn num_agents(&self) -> usize;
    /// Floats per agent in [`observed`](Self::observed).
    fn stride(&self) -> usize;
    fn image(&self) -> ImageSpec;
    /// `GET /visual_observations`: every agent's image, tiled left to right, as a PNG.
    fn tiled_png(&mut self) -> Result<Vec<u8>, EnvError>;
}

impl<G: GymGame> Backend for Environment<G> {
    fn spec_json(&self) -> Result<String, EnvError> {
        Environment::spec_json(self)
    }

    fn state_json(&mut self) -> String {
        Environment::state_json(self)
    }

    fn reset(&mut self, request: ResetRequest) -> Result<(), EnvError> {
        Environment::reset(self, request)
    }

    fn step_binary(&mut self, body: &[u8], reset: &[usize]) -> Result<(), EnvError> {
        let actions = self.decode_binary_actions(body)?;
        self.step(actions, reset)
    }

    fn compute(&mut self, kind: ObsKind) -> Result<(), EnvError> {
        match kind {
            ObsKind::None => {}
            ObsKind::Vector => {
                self.observe();
            }
            ObsKind::Pixels => {
                self.try_render()?;
            }
        }
        Ok(())
    }

    fn observed(&self) -> &[f32] {
        Environment::observed(self)
    }

    fn rendered(&self) -> &[u8] {
        Environment::rendered(self)
    }

    fn rewards(&self) -> &[f32] {
        Environment::rewards(self)
    }

    fn terminated(&self) -> &[bool] {
        Environment::terminated(self)
    }

    fn truncated(&self) -> &[bool] {
        Environment::truncated(self)
    }

    fn num_agents(&self) -> usize {
        self.layout().num_agents
    }

    fn stride(&self) -> usize {
        self.observation_stride()
    }

    fn image(&self) -> ImageSpec {
        Environment::image(self)
    }

    fn tiled_png(&mut self) -> Result<Vec<u8>, EnvError> {
        let (image, n) = (Environment::image(self), self.layout().num_agents);
        encode_tiled_png(self.try_render()?, image, n).map_err(EnvError::Internal)
    }
}

/// Game `G`'s environment from its command line (`args` without the program name, e.g.
/// `["--agents=4", "--level=2"]`): parsed by the game's own parser, built by its own app
/// builder. Serving flags (`--port`, …) are accepted and mean nothing here. A bad flag is
/// clap's first error line.
pub fn build<G: GymGame>(
    binary: &'static str,
    app: AppBuilder,
    args: &[String],
) -> Result<Box<dyn Backend>, String> {
    let argv = std::iter::once(binary.to_string()).chain(args.iter().cloned());
    let (settings, _serve) = bevy_gym_server::parse_cli::<G, _, _>(binary, "", argv)
        .map_err(|e| first_line(&e.to_string()))?;
    let env =
        Environment::<G>::new(app(settings)).map_err(|e| format!("invalid start settings: {e}"))?;
    Ok(Box::new(env))
}

/// clap's message without its usage lines and its `error: ` prefix.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}
