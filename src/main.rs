use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    ebok::telemetry::init();
    let cli = ebok::cli::Cli::parse();
    match ebok::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ebok: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
