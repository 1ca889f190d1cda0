//! Routes: turn each request into environment calls and a reply (docs/protocol.md).

use std::sync::mpsc::Receiver;

use crate::env::Environment;
use crate::error::EnvError;
use crate::game::GymGame;
use crate::http::{Incoming, Reply, Request};
use crate::protocol::{self, FrameObservations, ObsKind, ObservationSlots, Query};
use crate::raster::encode_tiled_png;

const TEXT_PLAIN: &str = "text/plain";
const APPLICATION_JSON: &str = "application/json";
const OCTET_STREAM: &str = "application/octet-stream";
const IMAGE_PNG: &str = "image/png";

/// Serves requests one at a time, in arrival order, until a stop arrives.
pub fn serve<G: GymGame>(env: &mut Environment<G>, mailbox: &Receiver<Incoming>) {
    while let Ok(incoming) = mailbox.recv() {
        match incoming {
            Incoming::Request(request, reply_to) => {
                // A client that hung up is no concern of the server's: the next request is served.
                let _ = reply_to.send(handle(env, &request));
            }
            Incoming::Stop(why) => {
                eprintln!("bevy_gym_server: stopping ({why})");
                return;
            }
        }
    }
}

fn handle<G: GymGame>(env: &mut Environment<G>, request: &Request) -> Reply {
    route(env, &request.method, &request.target, &request.body)
        .unwrap_or_else(|err| Reply::error(&err))
}

fn route<G: GymGame>(
    env: &mut Environment<G>,
    method: &str,
    url: &str,
    body: &[u8],
) -> Result<Reply, EnvError> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let get = method == "GET";
    let post = method == "POST";
    let wrong = |allow: &'static str| EnvError::MethodNotAllowed {
        path: path.to_owned(),
        allow,
    };
    match path {
        "/step" if get => step_json(env, &Query::parse(query, &["payload", "observations"])?),
        "/reset" if get || post => reset_json(
            env,
            &Query::parse(query, &["seed", "arenas", "options", "observations"])?,
        ),
        "/state" if get => {
            Query::parse(query, &[])?;
            Ok(Reply::ok(TEXT_PLAIN, env.state_json().into_bytes()))
        }
        "/visual_observations" if get => {
            Query::parse(query, &[])?;
            let image = env.image();
            let n = env.layout().num_agents;
            let png = encode_tiled_png(env.try_render()?, image, n).map_err(EnvError::Internal)?;
            Ok(Reply::ok(IMAGE_PNG, png))
        }
        "/spec" if get => {
            Query::parse(query, &[])?;
            Ok(Reply::ok(APPLICATION_JSON, env.spec_json()?.into_bytes()))
        }
        "/v1/step" if post => {
            let q = Query::parse(query, &["obs", "reset"])?;
            let kind = q.obs_kind()?;
            let reset = q.arena_list("reset")?.unwrap_or_default();
            let actions = env.decode_binary_actions(body)?;
            env.step(actions, &reset)?;
            frame(env, kind)
        }
        "/v1/reset" if post => {
            let q = Query::parse(query, &["obs", "seed", "arenas", "options"])?;
            let kind = q.obs_kind()?;
            env.reset(q.reset_request()?)?;
            frame(env, kind)
        }
        "/v1/observe" if get => {
            let kind = Query::parse(query, &["obs"])?.obs_kind()?;
            frame(env, kind)
        }
        "/step" | "/state" | "/visual_observations" | "/spec" | "/v1/observe" => Err(wrong("GET")),
        "/reset" => Err(wrong("GET, POST")),
        "/v1/step" | "/v1/reset" => Err(wrong("POST")),
        _ => Err(EnvError::NotFound(path.chars().take(200).collect())),
    }
}

fn step_json<G: GymGame>(env: &mut Environment<G>, query: &Query) -> Result<Reply, EnvError> {
    let with_obs = query.with_observations()?;
    let payload = query.get("payload").ok_or(EnvError::MissingPayload)?;
    let actions = env.parse_actions(&protocol::parse_payload(payload)?)?;
    env.step(actions, &[])?;
    json_results(env, with_obs)
}

fn reset_json<G: GymGame>(env: &mut Environment<G>, query: &Query) -> Result<Reply, EnvError> {
    let with_obs = query.with_observations()?;
    env.reset(query.reset_request()?)?;
    json_results(env, with_obs)
}

fn json_results<G: GymGame>(env: &mut Environment<G>, with_obs: bool) -> Result<Reply, EnvError> {
    if with_obs {
        env.observe();
    }
    let observations = with_obs.then(|| ObservationSlots {
        values: env.observed(),
        stride: env.observation_stride(),
        lens: env.observation_lens(),
    });
    let body = protocol::encode_json_results(
        env.rewards(),
        env.terminated(),
        env.truncated(),
        observations,
    );
    Ok(Reply::ok(TEXT_PLAIN, body))
}

fn frame<G: GymGame>(env: &mut Environment<G>, kind: ObsKind) -> Result<Reply, EnvError> {
    // Compute first; the frame then reads the environment's own buffers (one copy in all).
    match kind {
        ObsKind::None => {}
        ObsKind::Vector => {
            env.observe();
        }
        ObsKind::Pixels => {
            env.try_render()?;
        }
    }
    let observations = match kind {
        ObsKind::None => FrameObservations::None,
        ObsKind::Vector => FrameObservations::Vector(env.observed()),
        ObsKind::Pixels => FrameObservations::Pixels(env.rendered()),
    };
    let body = protocol::encode_frame(
        env.rewards(),
        env.terminated(),
        env.truncated(),
        observations,
    );
    Ok(Reply::ok(OCTET_STREAM, body))
}
