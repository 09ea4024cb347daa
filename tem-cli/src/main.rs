//! The `tem` binary; everything is in the library (see `tem_cli::run`).

fn main() -> std::process::ExitCode {
    let status = tem_cli::run(std::env::args_os().collect());
    std::process::ExitCode::from(u8::try_from(status).unwrap_or(1))
}
