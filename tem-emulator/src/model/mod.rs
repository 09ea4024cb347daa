//! The state of the emulated TEM and the actions that act on it: environments, applications,
//! their deployments in environments (version, replicas, pods) and rollouts that take time.
//!
//! Rollouts advance lazily: every action first brings each deployment up to the clock's
//! current time ([`State::catch_up`]), so the outcome depends only on the clock, never on when
//! requests happen to arrive.
//!
//! `MinAvailable` bounds how many pods a batch may take down at once, as Kubernetes'
//! `maxUnavailable = replicas - MinAvailable` does: a batch replaces its pods in steps of at
//! most `replicas - MinAvailable` pods, each step's old pods stopping when the step starts and
//! its new pods becoming ready a pod start later, so ready pods (old + new) never
//! drop below `MinAvailable`. With `MinAvailable` equal to the replicas, steps of one pod start
//! beside the old ones (a surge). Without `MinAvailable` (or 0), a whole batch starts beside its
//! old pods, which stop once the new ones are ready. A `MinAvailable` above the replicas cannot
//! be honoured and is refused with `InvalidParameterValue` (TEM documents no more specific code).
//!
//! | module | holds |
//! | --- | --- |
//! | [`state`] | the state's types, ids, the checks of a loaded state |
//! | [`actions`] | the dispatcher: an action's parameters in, its reply out |
//! | [`rollout`] | the rollout state machine |
//! | [`render`] | the JSON of replies, TEM's time formats |
//! | [`resources`] | config data, log configs, services, autoscalers, ingresses |
//! | [`documents`] | the documents [`resources`] keeps, as the state file holds them |
//! | [`error`] | [`ServiceError`] |

pub mod actions;
pub mod documents;
pub mod error;
pub mod render;
pub mod resources;
pub mod rollout;
pub mod state;

pub use actions::Outcome;
pub use documents::Resources;
pub use error::ServiceError;
pub use render::tem_time;
pub use rollout::{batch_sizes, RolloutPlan};
pub use state::{
    Application, Batch, BatchStatus, DeploySettings, Deployment, EnvPair, Environment, HealthCheck, Pod, PodTemplate,
    Rollout, RolloutStatus, State, Strategy, VersionBehaviour, DEFAULT_POD_START_SECS, MAX_REPLICAS, MAX_RESOURCES,
};
