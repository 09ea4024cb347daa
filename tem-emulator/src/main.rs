//! `tem-emulator`: serves a local TEM until interrupted (SIGTERM or Ctrl-C), saving its state
//! to `--state FILE` as it changes and on the way out.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tem_emulator::{Emulator, EmulatorOptions, DEFAULT_PORT, DEFAULT_REGION};

/// A local TEM (Tencent Cloud Elastic Microservice, API 2021-07-01) for tests and demos.
#[derive(Parser, Debug)]
#[command(name = "tem-emulator", version)]
struct Args {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Address to listen on. The control API (/_emulator/) has no authentication unless
    /// --control-token is set: on any address but loopback, set one.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Require `Authorization: Bearer TOKEN` on the control API (all but /_emulator/health).
    #[arg(long)]
    control_token: Option<String>,
    /// Secret id to accept (with --secret-key); default: the emulator's own pair.
    #[arg(long, requires = "secret_key")]
    secret_id: Option<String>,
    /// Secret key of --secret-id.
    #[arg(long, requires = "secret_id")]
    secret_key: Option<String>,
    /// Makes --secret-id temporary credentials: requests must send this `X-TC-Token`.
    #[arg(long, requires = "secret_id")]
    token: Option<String>,
    /// How many times faster than real time rollouts run.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// A state file (JSON): loaded on start (created when absent), saved after each change and
    /// on SIGTERM or Ctrl-C.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seed an environment `dev` and an application `demo` running v1 (2 pods).
    #[arg(long)]
    seed: bool,
    /// Write a line per request to stderr: sequence, action, verdict, milliseconds.
    #[arg(long)]
    log: bool,
    /// Seconds a keep-alive connection may stay idle before it is closed.
    #[arg(long, default_value_t = tem_emulator::limits::IDLE_TIMEOUT.as_secs())]
    idle_timeout: u64,
}

/// A line on stderr; a closed stderr loses it (eprintln! would panic).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// A line of the banner on stdout; a closed stdout loses it (println! would panic).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// How often the state file is brought up to date (changes in between are saved together).
const SAVE_EVERY: Duration = Duration::from_millis(200);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = Args::parse();
    if !(args.speed.is_finite() && args.speed > 0.0) {
        say!("tem-emulator: --speed must be a positive number, not {}", args.speed);
        return ExitCode::from(2);
    }
    let mut options = EmulatorOptions::new()
        .with_host(args.host)
        .with_port(args.port)
        .with_speed(args.speed)
        .with_request_lines(args.log)
        .with_idle_timeout(Duration::from_secs(args.idle_timeout.max(1)));
    if let Some(token) = &args.control_token {
        options = options.with_control_token(token);
    }
    if let (Some(id), Some(key)) = (&args.secret_id, &args.secret_key) {
        options = match &args.token {
            Some(token) => options.with_temporary_credential(id, key, token),
            None => options.with_credential(id, key),
        };
    }
    let mut created = false;
    if let Some(path) = &args.state {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => created = true,
            _ => match tem_emulator::read_state_file(path) {
                Ok(state) => options = options.with_state(state),
                Err(why) => {
                    say!("tem-emulator: {why}");
                    return ExitCode::from(2);
                }
            },
        }
    }
    let emulator = match Emulator::start(options).await {
        Ok(emulator) => emulator,
        Err(e) => {
            say!("tem-emulator: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::from(1);
        }
    };
    if !args.host.is_loopback() && args.control_token.is_none() {
        say!(
            "tem-emulator: WARNING: listening on {} with no --control-token: anyone who can reach it can \
             reset, load and read the state through /_emulator/ (the control API has no authentication)",
            args.host
        );
    }
    let endpoint = emulator.endpoint();
    out!("tem-emulator {} listening on {}", env!("CARGO_PKG_VERSION"), emulator.addr());
    out!("endpoint:   {endpoint}");
    out!("secret id:  {}", emulator.secret_id());
    out!("secret key: {}", emulator.secret_key());
    if let Some(token) = &args.token {
        out!("token:      {token}");
    }
    out!("region:     {DEFAULT_REGION} (any region name is accepted)");
    out!("speed:      {}x", args.speed);
    if args.seed {
        let seeded = emulator
            .seed_environment("dev")
            .and_then(|env| emulator.seed_application(&env, "demo", "v1", 2).map(|app| (env, app)));
        match seeded {
            Ok((env, app)) => out!("seeded:     environment {env}, application {app} (v1, 2 pods)"),
            Err(e) => say!("tem-emulator: cannot seed: {e}"),
        }
    }
    if let Some(path) = &args.state {
        if created || args.seed {
            if let Err(why) = emulator.save_state_file(path) {
                say!("tem-emulator: {why}");
                return ExitCode::from(1);
            }
        }
        out!("state:      {}{}", path.display(), if created { " (created)" } else { "" });
    }
    out!("health:     {endpoint}/_emulator/health");
    out!(
        "control:    {endpoint}/_emulator/ (routes: GET it){}",
        if args.control_token.is_some() { "; needs the control token" } else { "" }
    );
    // Flushed so that a parent reading our output sees the endpoint at once.
    use std::io::Write as _;
    let _ = std::io::stdout().flush();

    let code = serve_until_stopped(&emulator, args.state.as_deref()).await;
    if let Some(path) = &args.state {
        if let Err(why) = emulator.save_state_file(path) {
            say!("tem-emulator: {why}");
            return ExitCode::from(1);
        }
    }
    code
}

/// Waits for SIGTERM or Ctrl-C, saving the state file whenever the state changed.
async fn serve_until_stopped(emulator: &Emulator, state: Option<&Path>) -> ExitCode {
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(e) => {
            say!("tem-emulator: cannot watch for SIGTERM: {e}");
            return ExitCode::from(1);
        }
    };
    let mut saved = emulator.generation();
    let mut tick = tokio::time::interval(SAVE_EVERY);
    loop {
        tokio::select! {
            _ = terminate.recv() => return ExitCode::SUCCESS,
            _ = tokio::signal::ctrl_c() => return ExitCode::SUCCESS,
            _ = tick.tick() => {
                let Some(path) = state else { continue };
                let now = emulator.generation();
                if now != saved {
                    match emulator.save_state_file(path) {
                        Ok(()) => saved = now,
                        Err(why) => say!("tem-emulator: {why}"),
                    }
                }
            }
        }
    }
}
