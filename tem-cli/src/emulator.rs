//! `--emulator`: an in-process TEM emulator (placeholder until tem-emulator lands).

use std::sync::Arc;

use tem_api::waiter::WaitClock;
use tem_core::Config;

use crate::Failure;

pub struct Running;

impl Running {
    pub fn config(&self) -> Config {
        unreachable!()
    }

    pub fn wait_clock(&self) -> Arc<dyn WaitClock> {
        unreachable!()
    }
}

pub async fn start() -> Result<Running, Failure> {
    Err(Failure::input("error: the emulator is not available yet"))
}
