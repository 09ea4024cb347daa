//! What the binary tests share: running `tem` with a hang guard.

use std::process::{Child, Output};
use std::time::Duration;

/// No run of the binary in these tests takes longer; a regression that hangs fails in this
/// time instead of blocking the suite.
pub const BOUND: Duration = Duration::from_secs(60);

/// The child's output, or a failed test (and a killed child) after [`BOUND`].
pub fn bounded(child: Child) -> Output {
    let pid = child.id() as i32;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    match receiver.recv_timeout(BOUND) {
        Ok(output) => output.expect("the output is read"),
        Err(_) => {
            // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("tem did not end within {BOUND:?}");
        }
    }
}
