//! The lockstep environment: a Bevy `App` driven step by step, with no HTTP in sight.

use std::marker::PhantomData;

use bevy::prelude::*;
use serde_json::{Map, Value};

use crate::action::{Action, decode_binary_actions_except};
use crate::driver::{Driver, DriverInput};
use crate::error::EnvError;
use crate::game::GymGame;
use crate::lockstep::{AgentIo, ArenaRngs, SimTick};
use crate::options;
use crate::protocol::{AgentSpecDoc, ObservationSlots, PROTOCOL_VERSION, ResetRequest, SpecDoc};
use crate::settings::{ImageSource, SERVER_OPTIONS, SimSettings};
use crate::spec::{AgentSpaces, ImageSpec, Layout, Space};
use crate::spectator::{Moment, Spectator};

/// Most bytes the images of all agents may take together (`image_size=512` on 4,096 agents would
/// ask for 3 GiB); options that ask for more are refused.
pub const MAX_IMAGE_BUFFER_BYTES: usize = 512 << 20;

/// Server-owned run parameters that a reset's options may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RunParams {
    action_repeat: u32,
    max_episode_steps: u32,
}

/// A game served in strict lockstep. The HTTP layer and the benchmarks both drive this.
pub struct Environment<G: GymGame> {
    app: App,
    layout: Layout,
    params: RunParams,
    spaces: Vec<AgentSpaces>,
    image: ImageSpec,
    observations: Vec<f32>,
    observation_lens: Vec<usize>,
    pixels: Vec<u8>,
    /// Per agent, for a driver: whether its arena starts an episode.
    episode_start: Vec<bool>,
    /// Supplies the driven agents' actions; `None` (the usual case) costs one branch a step.
    driver: Option<Box<dyn Driver>>,
    /// Per agent: whether the driver acts for it (empty without a driver).
    driven: Vec<bool>,
    /// Sees every reset and step (a windowed view); `None` costs one branch a step.
    spectator: Option<Box<dyn Spectator>>,
    _game: PhantomData<G>,
}

impl<G: GymGame> Environment<G> {
    /// Takes an app built with [`EnvPlugin`](crate::EnvPlugin) and the game's plugin, applies
    /// the start options and resets every arena with the start seed.
    pub fn new(mut app: App) -> Result<Self, EnvError> {
        let layout = &app.world().resource::<SimSettings>().layout;
        layout.check().map_err(EnvError::InvalidOptions)?;
        #[cfg(feature = "camera")]
        if crate::camera::is_on(app.world()) {
            crate::camera::start(&mut app)?;
        }
        app.finish();
        app.cleanup();
        app.update();
        let settings = app.world().resource::<SimSettings>().clone();
        let layout = app.world().resource::<AgentIo>().layout().clone();
        let mut env = Self {
            app,
            layout,
            params: RunParams {
                action_repeat: 1,
                max_episode_steps: 0,
            },
            spaces: Vec::new(),
            image: ImageSpec {
                channels: 0,
                height: 0,
                width: 0,
            },
            observations: Vec::new(),
            observation_lens: Vec::new(),
            pixels: Vec::new(),
            episode_start: Vec::new(),
            driver: None,
            driven: Vec::new(),
            spectator: None,
            _game: PhantomData,
        };
        match (settings.image_source, env.image_source()) {
            (ImageSource::Camera, "raster") => {
                return Err(EnvError::InvalidOptions(format!(
                    "--image-source camera: {} has no camera sensor in this build; expected a \
                     binary built with the game's `camera` cargo feature, or --image-source \
                     raster",
                    G::NAME
                )));
            }
            (ImageSource::Raster, "camera") => {
                return Err(EnvError::Internal(
                    "the game added its camera sensor with --image-source raster; expected it \
                     only with --image-source camera"
                        .into(),
                ));
            }
            _ => {}
        }
        // Every declared default, then the start options over them: the game starts exactly as
        // its `OptionSpec`s say, whatever its resource's `Default` holds, so `/spec`, `--help`
        // and the running game cannot disagree.
        let mut options = options::defaults(G::OPTIONS);
        options.extend(settings.options.clone());
        options.insert("action_repeat".into(), settings.action_repeat.into());
        options.insert(
            "max_episode_steps".into(),
            settings.max_episode_steps.into(),
        );
        env.reset(ResetRequest {
            seed: Some(settings.seed),
            arenas: None,
            options: Some(options),
        })?;
        Ok(env)
    }

    /// Agents and arenas.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Every agent's spaces under the current options.
    pub fn spaces(&self) -> &[AgentSpaces] {
        &self.spaces
    }

    /// Image size under the current options.
    pub fn image(&self) -> ImageSpec {
        self.image
    }

    /// The world, for tests and tools.
    pub fn world(&mut self) -> &mut World {
        self.app.world_mut()
    }

    /// Lets `driver` supply its agents' actions from now on (replacing any driver set before);
    /// refused, changing nothing, when it names agents that do not exist or its
    /// [`check`](Driver::check) fails under the current spaces.
    pub fn set_driver(&mut self, driver: Box<dyn Driver>) -> Result<(), EnvError> {
        let n = self.layout.num_agents;
        let agents = driver.agents();
        if let Some(bad) = agents.iter().find(|&&a| a >= n) {
            return Err(EnvError::InvalidOptions(format!(
                "{} drives agent_{bad}, which does not exist; expected agent indices 0..{}",
                driver.name(),
                n - 1
            )));
        }
        if !agents.windows(2).all(|w| w[0] < w[1]) {
            return Err(EnvError::InvalidOptions(format!(
                "{} drives agents {agents:?}; expected ascending distinct indices",
                driver.name()
            )));
        }
        check_driver(driver.as_ref(), &self.spaces, self.image)
            .map_err(EnvError::InvalidOptions)?;
        self.driven = vec![false; n];
        for &agent in agents {
            self.driven[agent] = true;
        }
        self.driver = Some(driver);
        Ok(())
    }

    /// Lets `spectator` watch every reset and step from now on (replacing any set before); it is
    /// shown the current state at once, as after a reset of every arena.
    pub fn set_spectator(&mut self, mut spectator: Box<dyn Spectator>) {
        let arenas: Vec<usize> = (0..self.layout.num_arenas()).collect();
        spectator.watch(self.app.world_mut(), Moment::Reset { arenas: &arenas });
        self.spectator = Some(spectator);
    }

    /// What drives `agent` in process (the driver's name), or `None` for a client-driven agent.
    pub fn driven_by(&self, agent: usize) -> Option<&str> {
        let driver = self.driver.as_deref()?;
        self.is_driven(agent).then(|| driver.name())
    }

    fn is_driven(&self, agent: usize) -> bool {
        self.driven.get(agent).copied().unwrap_or(false)
    }

    /// Decodes a `/v1/step` body; driven agents' values are skipped (`None`), as their actions
    /// come from the driver.
    pub fn decode_binary_actions(&self, body: &[u8]) -> Result<Vec<Option<Action>>, EnvError> {
        decode_binary_actions_except(&self.action_spaces(), body, &self.driven)
    }

    /// Parses bevy_rl action strings (one per agent, `None` for `null`) without changing state.
    /// Driven agents' strings are ignored (`None`), as their actions come from the driver.
    pub fn parse_actions(
        &self,
        actions: &[Option<String>],
    ) -> Result<Vec<Option<Action>>, EnvError> {
        if actions.len() != self.layout.num_agents {
            return Err(EnvError::InvalidPayload(format!(
                "payload has {} actions; expected {} (one {{\"action\": string|null}} per agent)",
                actions.len(),
                self.layout.num_agents
            )));
        }
        let world = self.app.world();
        actions
            .iter()
            .enumerate()
            .map(|(agent, raw)| {
                raw.as_deref()
                    .filter(|_| !self.is_driven(agent))
                    .map(|r| G::parse_action(world, agent, r))
                    .transpose()
            })
            .collect()
    }

    /// Runs one step: resets `reset_arenas` in place of stepping them, applies `actions` to the
    /// other arenas and runs exactly `action_repeat` ticks. Nothing changes on error. With a
    /// driver, the driven agents' entries of `actions` are replaced by the driver's.
    pub fn step(
        &mut self,
        mut actions: Vec<Option<Action>>,
        reset_arenas: &[usize],
    ) -> Result<(), EnvError> {
        if actions.len() != self.layout.num_agents {
            return Err(EnvError::InvalidPayload(format!(
                "{} actions; expected {}",
                actions.len(),
                self.layout.num_agents
            )));
        }
        let reset_arenas = self.check_arenas(reset_arenas)?;
        if self.driver.is_some() {
            self.drive(&mut actions)?;
        }
        let mut skipped = vec![false; self.layout.num_arenas()];
        for &arena in &reset_arenas {
            skipped[arena] = true;
        }
        let world = self.app.world_mut();
        {
            let mut io = world.resource_mut::<AgentIo>();
            io.actions = actions;
            io.rewards.fill(0.0);
        }
        if !reset_arenas.is_empty() {
            self.reset_arenas(&reset_arenas, None);
        }
        let world = self.app.world_mut();
        world.resource_mut::<AgentIo>().refresh_running(&skipped);
        let stepped: Vec<bool> = world.resource::<AgentIo>().arena_running.clone();
        let ticks = self.params.action_repeat;
        // One schedule lookup per step, not per tick (`run_schedule` moves it out and back).
        world.schedule_scope(SimTick, |world, schedule| {
            for _ in 0..ticks {
                schedule.run(world);
                world.resource_mut::<AgentIo>().refresh_running(&skipped);
            }
        });
        let max_steps = self.params.max_episode_steps;
        let mut io = world.resource_mut::<AgentIo>();
        for (arena, _) in stepped.iter().enumerate().filter(|(_, s)| **s) {
            io.arena_steps[arena] += 1;
            if max_steps > 0 && io.arena_steps[arena] >= max_steps {
                for agent in io.layout().agents_in(arena) {
                    if io.is_live(agent) {
                        io.truncated[agent] = true;
                    }
                }
            }
        }
        io.actions.fill(None);
        // Removed-component records and change ticks would otherwise grow with every step.
        world.clear_trackers();
        world.check_change_ticks();
        if let Some(spectator) = self.spectator.as_mut() {
            spectator.watch(
                world,
                Moment::Step {
                    reset: &reset_arenas,
                },
            );
        }
        Ok(())
    }

    /// The driver's actions for its agents, from the observations (and images) before the step.
    fn drive(&mut self, actions: &mut [Option<Action>]) -> Result<(), EnvError> {
        self.observe();
        let sees_images = self.driver.as_ref().is_some_and(|d| d.sees_images());
        if sees_images {
            self.try_render()?;
        }
        let mut starts = std::mem::take(&mut self.episode_start);
        self.episode_starts(&mut starts);
        self.episode_start = starts;
        if let Some(driver) = self.driver.as_mut() {
            let input = DriverInput {
                observations: ObservationSlots {
                    values: &self.observations,
                    stride: self.observation_lens.iter().copied().max().unwrap_or(0),
                    lens: &self.observation_lens,
                },
                images: if sees_images { &self.pixels } else { &[] },
                image: self.image,
                episode_start: &self.episode_start,
            };
            driver.act(input, actions);
        }
        Ok(())
    }

    /// Per agent (into `starts`): whether its current observation is the first of an episode,
    /// its arena reset and not stepped since.
    pub fn episode_starts(&self, starts: &mut Vec<bool>) {
        let io = self.app.world().resource::<AgentIo>();
        let layout = io.layout();
        starts.clear();
        starts.extend(
            (0..layout.num_agents).map(|agent| io.episode_steps(layout.arena_of(agent)) == 0),
        );
    }

    /// Resets (all or some arenas), optionally reseeding and applying options first.
    /// Nothing changes on error.
    pub fn reset(&mut self, request: ResetRequest) -> Result<(), EnvError> {
        let arenas = match &request.arenas {
            Some(list) => {
                if request.options.is_some() {
                    return Err(EnvError::InvalidQuery(
                        "options apply to every arena; expected either 'options' or 'arenas', not both".into(),
                    ));
                }
                self.check_arenas(list)?
            }
            None => (0..self.layout.num_arenas()).collect(),
        };
        if let Some(options) = &request.options {
            self.configure(options)?;
        }
        self.app
            .world_mut()
            .resource_mut::<AgentIo>()
            .rewards
            .fill(0.0);
        self.reset_arenas(&arenas, request.seed);
        if let Some(spectator) = self.spectator.as_mut() {
            spectator.watch(self.app.world_mut(), Moment::Reset { arenas: &arenas });
        }
        Ok(())
    }

    fn reset_arenas(&mut self, arenas: &[usize], seed: Option<u64>) {
        let world = self.app.world_mut();
        if let Some(seed) = seed {
            let mut rngs = world.resource_mut::<ArenaRngs>();
            for &arena in arenas {
                rngs.reseed(arena, seed);
            }
        }
        {
            let mut io = world.resource_mut::<AgentIo>();
            for &arena in arenas {
                io.arena_steps[arena] = 0;
                for agent in io.layout().agents_in(arena) {
                    io.terminated[agent] = false;
                    io.truncated[agent] = false;
                    io.rewards[agent] = 0.0;
                }
            }
        }
        G::reset_arenas(world, arenas);
        world.clear_trackers();
    }

    fn configure(&mut self, requested: &Map<String, Value>) -> Result<(), EnvError> {
        let mut params = self.params;
        let mut game_options = requested.clone();
        let server_options: Map<String, Value> = SERVER_OPTIONS
            .iter()
            .filter_map(|spec| Some((spec.name.to_string(), game_options.remove(spec.name)?)))
            .collect();
        for (key, value) in options::validate(SERVER_OPTIONS, &server_options, &[])? {
            // The schema's range keeps both integers within u32.
            let number = value.as_u64().unwrap_or_default() as u32;
            match key.as_str() {
                "action_repeat" => params.action_repeat = number,
                "max_episode_steps" => params.max_episode_steps = number,
                _ => {
                    let running = self.image_source();
                    if value.as_str() != Some(running) {
                        return Err(EnvError::InvalidOptions(format!(
                            "image_source is fixed when the server starts (this one renders \
                             with '{running}'); expected '{running}', or a server started with \
                             --image-source {value}",
                            value = value.as_str().unwrap_or_default()
                        )));
                    }
                }
            }
        }
        let game_options = options::validate(G::OPTIONS, &game_options, SERVER_OPTIONS)?;
        let before = G::options(self.app.world());
        G::configure(self.app.world_mut(), &game_options)?;
        if let Some(driver) = &self.driver {
            let world = self.app.world();
            let spaces: Vec<AgentSpaces> = (0..self.layout.num_agents)
                .map(|a| G::spaces(world, a))
                .collect();
            if let Err(why) = check_driver(driver.as_ref(), &spaces, G::image(world)) {
                // Put the game back as it was: a refused request changes nothing.
                G::configure(self.app.world_mut(), &before)?;
                return Err(EnvError::InvalidOptions(why));
            }
        }
        let image = G::image(self.app.world());
        let total = image.bytes().saturating_mul(self.layout.num_agents);
        if total > MAX_IMAGE_BUFFER_BYTES {
            // Put the game back as it was: a refused request changes nothing.
            G::configure(self.app.world_mut(), &before)?;
            return Err(EnvError::InvalidOptions(format!(
                "images of {}x{}x{} for {} agents take {} MiB; expected at most {} MiB in all (a smaller image_size, grayscale, or fewer agents)",
                image.height,
                image.width,
                image.channels,
                self.layout.num_agents,
                total >> 20,
                MAX_IMAGE_BUFFER_BYTES >> 20
            )));
        }
        self.params = params;
        self.refresh_spec();
        Ok(())
    }

    fn refresh_spec(&mut self) {
        let world = self.app.world();
        self.spaces = (0..self.layout.num_agents)
            .map(|a| G::spaces(world, a))
            .collect();
        self.image = G::image(world);
        self.observation_lens = self
            .spaces
            .iter()
            .map(|s| s.observation.flat_len())
            .collect();
    }

    fn check_arenas(&self, arenas: &[usize]) -> Result<Vec<usize>, EnvError> {
        let n = self.layout.num_arenas();
        let mut sorted = arenas.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if let Some(bad) = sorted.iter().find(|&&a| a >= n) {
            return Err(EnvError::InvalidQuery(format!(
                "arena {bad} does not exist; expected arena indices 0..{}",
                n - 1
            )));
        }
        Ok(sorted)
    }

    /// The arenas whose agents are all done (terminated or truncated), ascending: what a driver
    /// of its own steps (a live view, an evaluation, a benchmark) resets in place of their next
    /// step, as a client's autoreset does.
    pub fn finished_arenas(&self) -> Vec<usize> {
        let io = self.app.world().resource::<AgentIo>();
        let layout = io.layout();
        (0..layout.num_arenas())
            .filter(|&arena| layout.agents_in(arena).all(|agent| !io.is_live(agent)))
            .collect()
    }

    /// Rewards of the last step or reset.
    pub fn rewards(&self) -> &[f32] {
        &self.app.world().resource::<AgentIo>().rewards
    }

    /// Termination flags.
    pub fn terminated(&self) -> &[bool] {
        &self.app.world().resource::<AgentIo>().terminated
    }

    /// Truncation flags.
    pub fn truncated(&self) -> &[bool] {
        &self.app.world().resource::<AgentIo>().truncated
    }

    /// Every agent's vector observation, agent-major, one slot of
    /// [`observation_stride`](Self::observation_stride) floats each: an agent whose observation is
    /// shorter than the longest has zeros after it in its slot.
    pub fn observe(&mut self) -> &[f32] {
        self.observations.clear();
        self.observations
            .resize(self.observation_stride() * self.layout.num_agents, 0.0);
        G::observe(self.app.world_mut(), &mut self.observations);
        &self.observations
    }

    /// The observations computed by the last [`observe`](Self::observe) call.
    pub fn observed(&self) -> &[f32] {
        &self.observations
    }

    /// Floats per agent slot in [`observe`](Self::observe): the longest agent's observation.
    pub fn observation_stride(&self) -> usize {
        self.observation_lens.iter().copied().max().unwrap_or(0)
    }

    /// Each agent's flat observation length (its observation space's size).
    pub fn observation_lens(&self) -> &[usize] {
        &self.observation_lens
    }

    /// Every agent's image, agent-major, H×W×C `u8` each: drawn by the game
    /// ([`GymGame::render`]) or, with the camera sensor on, rendered by its cameras.
    ///
    /// # Panics
    /// When the camera sensor fails (a lost device); [`try_render`](Self::try_render) returns
    /// that error instead.
    pub fn render(&mut self) -> &[u8] {
        if let Err(why) = self.try_render() {
            panic!("{why}");
        }
        &self.pixels
    }

    /// [`render`](Self::render), with the camera sensor's failures as errors.
    pub fn try_render(&mut self) -> Result<&[u8], EnvError> {
        self.pixels
            .resize(self.image.bytes() * self.layout.num_agents, 0);
        #[cfg(feature = "camera")]
        if crate::camera::is_on(self.app.world()) {
            crate::camera::capture(&mut self.app, self.image, &self.layout, &mut self.pixels)?;
            return Ok(&self.pixels);
        }
        G::render(self.app.world_mut(), &mut self.pixels);
        Ok(&self.pixels)
    }

    /// Where images come from: `"camera"` (the camera sensor) or `"raster"` (the game draws
    /// them).
    pub fn image_source(&self) -> &'static str {
        #[cfg(feature = "camera")]
        if crate::camera::is_on(self.app.world()) {
            return "camera";
        }
        "raster"
    }

    /// The images drawn by the last [`render`](Self::render) call.
    pub fn rendered(&self) -> &[u8] {
        &self.pixels
    }

    /// `GET /state`.
    pub fn state_json(&mut self) -> String {
        G::state(self.app.world_mut()).to_string()
    }

    /// `GET /spec`.
    pub fn spec_json(&self) -> Result<String, EnvError> {
        let world = self.app.world();
        let mut options = G::options(world);
        options.insert("action_repeat".into(), self.params.action_repeat.into());
        options.insert(
            "max_episode_steps".into(),
            self.params.max_episode_steps.into(),
        );
        options.insert("image_source".into(), self.image_source().into());
        let mut option_schema = options::json_schema(G::OPTIONS);
        if let Value::Object(schema) = &mut option_schema {
            for spec in SERVER_OPTIONS {
                schema.insert(spec.name.into(), spec.json_schema());
            }
        }
        SpecDoc {
            action_repeat: self.params.action_repeat,
            agents: self
                .spaces
                .iter()
                .enumerate()
                .map(|(agent, spaces)| AgentSpecDoc {
                    action_space: &spaces.action,
                    arena: self.layout.arena_of(agent),
                    driven_by: self.driven_by(agent),
                    id: G::agent_id(world, agent),
                    observation_space: &spaces.observation,
                })
                .collect(),
            arena_mode: self.layout.mode,
            game: G::NAME,
            image: self.image,
            image_source: self.image_source(),
            max_episode_steps: self.params.max_episode_steps,
            num_agents: self.layout.num_agents,
            num_arenas: self.layout.num_arenas(),
            option_schema,
            options: Value::Object(options),
            pixel_observation_space: self.image.space(),
            protocol_version: PROTOCOL_VERSION,
            tick_seconds: G::tick_seconds(world),
        }
        .to_json()
    }

    /// The agents' action spaces, in agent order.
    pub fn action_spaces(&self) -> Vec<&Space> {
        self.spaces.iter().map(|s| &s.action).collect()
    }
}

/// A driver's checks under these spaces and image size (the image only for one that sees
/// images).
fn check_driver(
    driver: &dyn Driver,
    spaces: &[AgentSpaces],
    image: ImageSpec,
) -> Result<(), String> {
    driver.check(spaces)?;
    if driver.sees_images() {
        driver.check_image(image)?;
    }
    Ok(())
}
