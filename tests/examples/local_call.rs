//! The quick start's example call: `RollingUpdateApplicationByVersion` through the real client
//! (builder, signing, HTTP, decoding) against `FrontDoor`, a local stand-in of Tencent Cloud's
//! API gateway on 127.0.0.1 that verifies the signature and headers and answers with the
//! seed's documented reply. No credentials or network needed.

use std::process::ExitCode;

use tem_api::{Client, Config, Credentials};
use tem_tests::{examples_responder, FrontDoor, FrontDoorOptions, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let server = FrontDoor::start(FrontDoorOptions::default().with_responder(examples_responder())).await;
    println!("local front door: {}", server.endpoint());

    let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_region("ap-guangzhou")
        .and_then(|config| config.with_endpoint(&server.endpoint()));
    let client = match config.and_then(Client::new) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A fluent call: a required parameter left out would fail here, naming it, before sending.
    let call = client
        .rolling_update_application_by_version()
        .application_id("app-xxxxxx")
        .environment_id("en-xxxxxx")
        .deploy_version("v1")
        .deploy_strategy_type("AUTO")
        .send();
    match call.await {
        Ok(response) => {
            let received = &server.requests()[0];
            println!("sent: {}", String::from_utf8_lossy(&received.body));
            println!("front door verdict: {}", received.verdict.as_deref().unwrap_or("accepted (signature verified)"));
            println!("revision id: {}", response.result);
            println!("request id: {}", response.request_id);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
