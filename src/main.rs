use clap::Parser;

fn main() -> std::process::ExitCode {
    tune_allocator();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("starting the async runtime");
    let code = runtime.block_on(run());
    // A blocking step still running (a stopped IMAP wait, a password hash) does not hold
    // up the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}

async fn run() -> std::process::ExitCode {
    let cli = ebok::cli::Cli::parse();
    match ebok::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ebok: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc keeps the freed memory of big allocations in its heaps: the size above which it
/// maps a block on its own (and unmaps it when freed) rises after each big free, up to
/// 32 MiB, and every thread pool thread may get a heap of its own. So a password hash
/// (19 MiB of argon2 memory) or a large mail stayed resident after use — about 46 MB
/// after one 25 MB mail (docs/benchmarks.md). A fixed threshold hands such blocks back at
/// once, and two heaps bound what the pools keep.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any other thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
