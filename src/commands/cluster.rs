//! `wecon cluster`: a Ballista scheduler or executor with wecon's SQL functions.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(subcommand)]
    role: Role,
}

#[derive(Debug, Subcommand)]
enum Role {
    /// Run a scheduler: clients (`wecon analyze --cluster df://HOST:PORT`) send it queries,
    /// executors register with it. Runs until stopped.
    Scheduler {
        /// The address to listen on.
        #[arg(long, default_value = "0.0.0.0:50050")]
        bind: SocketAddr,
    },
    /// Run an executor for a scheduler. Runs until stopped.
    Executor {
        /// The scheduler's HOST:PORT.
        #[arg(long, default_value = "localhost:50050")]
        scheduler: String,
        /// The address to listen on.
        #[arg(long, default_value = "0.0.0.0")]
        bind_host: String,
        /// The host name the scheduler and other executors reach this one by (default: the
        /// bind address).
        #[arg(long)]
        external_host: Option<String>,
        /// The Arrow Flight port (shuffle data between executors).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// The gRPC port (tasks from the scheduler).
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Tasks run at once (0: one per core).
        #[arg(long, default_value_t = 0)]
        tasks: usize,
        /// The folder for shuffle files (default: a temporary folder).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// The memory this executor's tasks may use together (e.g. 4G); they spill beyond it.
        #[arg(long, value_name = "SIZE", value_parser = super::parse_size)]
        memory_limit: Option<u64>,
    },
}

pub fn run(args: ClusterArgs) -> Result<()> {
    let rt = super::runtime()?;
    match args.role {
        Role::Scheduler { bind } => {
            super::note!("wecon scheduler listening on {bind}");
            rt.block_on(wecon_cluster::scheduler(bind))
                .context("the scheduler stopped")
        }
        Role::Executor {
            scheduler,
            bind_host,
            external_host,
            port,
            grpc_port,
            tasks,
            work_dir,
            memory_limit,
        } => {
            let (host, sched_port) = scheduler
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
                .with_context(|| format!("`{scheduler}` is not HOST:PORT"))?;
            super::note!(
                "wecon executor on {bind_host}:{port} (gRPC {grpc_port}) for the scheduler at {scheduler}"
            );
            rt.block_on(wecon_cluster::executor(wecon_cluster::ExecutorOptions {
                scheduler: (host, sched_port),
                bind_host,
                external_host,
                flight_port: port,
                grpc_port,
                tasks,
                work_dir: work_dir.map(|w| w.display().to_string()),
                memory_limit,
            }))
            .context("the executor stopped")
        }
    }
}
