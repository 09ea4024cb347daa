//! `tem-emulator`: serves a local TEM on 127.0.0.1 until interrupted.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tem_emulator::{Emulator, EmulatorOptions, DEFAULT_REGION};

/// A local TEM (Tencent Cloud Elastic Microservice, API 2021-07-01) for tests and demos.
#[derive(Parser, Debug)]
#[command(name = "tem-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
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
    /// A state file (JSON) to start from.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seed an environment `dev` and an application `demo` running v1 (2 pods).
    #[arg(long)]
    seed: bool,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = Args::parse();
    if !(args.speed.is_finite() && args.speed > 0.0) {
        eprintln!("tem-emulator: --speed must be a positive number, not {}", args.speed);
        return ExitCode::from(2);
    }
    let mut options = EmulatorOptions::new().with_port(args.port).with_speed(args.speed);
    if let (Some(id), Some(key)) = (&args.secret_id, &args.secret_key) {
        options = match &args.token {
            Some(token) => options.with_temporary_credential(id, key, token),
            None => options.with_credential(id, key),
        };
    }
    if let Some(path) = &args.state {
        match tem_emulator::read_state_file(path) {
            Ok(state) => options = options.with_state(state),
            Err(why) => {
                eprintln!("tem-emulator: {why}");
                return ExitCode::from(2);
            }
        }
    }
    let emulator = match Emulator::start(options).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("tem-emulator: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::from(1);
        }
    };
    println!("tem-emulator listening on {}", emulator.endpoint());
    println!("endpoint:   {}", emulator.endpoint());
    println!("secret id:  {}", emulator.secret_id());
    println!("secret key: {}", emulator.secret_key());
    if let Some(token) = &args.token {
        println!("token:      {token}");
    }
    println!("region:     {DEFAULT_REGION} (any region name is accepted)");
    println!("speed:      {}x", args.speed);
    if args.seed {
        let seeded = emulator
            .seed_environment("dev")
            .and_then(|env| emulator.seed_application(&env, "demo", "v1", 2).map(|app| (env, app)));
        match seeded {
            Ok((env, app)) => println!("seeded:     environment {env}, application {app} (v1, 2 pods)"),
            Err(e) => eprintln!("tem-emulator: cannot seed: {e}"),
        }
    }
    println!("control:    {}/_emulator/ (reset, advance, faults, state, requests)", emulator.endpoint());
    // Flushed so that a parent reading our output sees the endpoint at once.
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
