//! wecon on an Apache DataFusion Ballista cluster. The scheduler and the executors are
//! Ballista's own, started from the `wecon` binary with wecon's SQL functions registered,
//! so a cluster needs nothing but that binary; the client is a Ballista session with
//! wecon's settings, in which the engine runs the metric library unchanged.
//!
//! Executors read the dataset and the tables the library keeps between queries by path:
//! on one machine any folder works; across machines the dataset and the results folder
//! must be on storage every machine mounts at the same path.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::config::BALLISTA_ADAPTIVE_PLANNER_ENABLED;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{FunctionRegistry, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

/// Ballista's log messages on stderr, from warnings up (`WECON_LOG=info` or `debug` for
/// more): a node without them fails silently.
struct StderrLog(log::LevelFilter);

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= self.0
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            eprintln!("[{} {}] {}", r.level(), r.target(), r.args());
        }
    }
    fn flush(&self) {}
}

/// Sends Ballista's log to stderr (once per process).
pub fn init_log() {
    let level = std::env::var("WECON_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(log::LevelFilter::Warn);
    if log::set_boxed_logger(Box::new(StderrLog(level))).is_ok() {
        log::set_max_level(level);
    }
}

/// A cluster error, as text (Ballista's and DataFusion's errors do not share a type).
#[derive(Debug)]
pub struct ClusterError(pub String);

impl std::fmt::Display for ClusterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClusterError {}

fn err(e: impl std::fmt::Display) -> ClusterError {
    ClusterError(e.to_string())
}

/// A Ballista session state with wecon's settings and functions.
fn session_state(config: SessionConfig) -> datafusion::execution::SessionState {
    let mut builder = SessionStateBuilder::new()
        .with_config(wecon_engine::configure(config))
        .with_default_features();
    // Datasets on object storage: each node builds its stores from its own environment.
    if let Ok(runtime) = wecon_engine::stores::runtime(None) {
        builder = builder.with_runtime_env(runtime);
    }
    let mut state = builder.build();
    for f in wecon_engine::functions() {
        let _ = state.register_udf(Arc::new(f));
    }
    for f in wecon_engine::window_functions() {
        let _ = state.register_udwf(Arc::new(f));
    }
    state
}

/// A client session on the cluster whose scheduler is at `url` (`df://HOST:PORT`).
pub async fn connect(url: &str) -> Result<SessionContext, ClusterError> {
    init_log();
    if !url.starts_with("df://") {
        return Err(ClusterError(format!(
            "`{url}` is not a cluster address: write df://HOST:PORT"
        )));
    }
    // Few partitions: the library runs some sixty small queries one after another, and
    // each partition of each stage is a task the scheduler sends out.
    // Ballista 55's adaptive planner re-plans some of the library's semi joins over and
    // over (thousands of stages for one small query); the static planner runs them once.
    let config = SessionConfig::new_with_ballista()
        .with_target_partitions(4)
        .set_str(BALLISTA_ADAPTIVE_PLANNER_ENABLED, "false");
    let state = session_state(config);
    let ctx = SessionContext::remote_with_state(url, state)
        .await
        .map_err(|e| ClusterError(format!("cannot reach the scheduler at {url}: {e}")))?;
    // The remote session builds its own state: the functions go on it too.
    for f in wecon_engine::functions() {
        ctx.register_udf(f);
    }
    for f in wecon_engine::window_functions() {
        ctx.register_udwf(f);
    }
    Ok(ctx)
}

/// Runs a scheduler listening on `bind` until the process is stopped.
pub async fn scheduler(bind: SocketAddr) -> Result<(), ClusterError> {
    init_log();
    let config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        override_session_builder: Some(Arc::new(|config: SessionConfig| Ok(session_state(config)))),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(err)?;
    start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(err)
}

/// Where an executor listens and whom it serves.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's host and port.
    pub scheduler: (String, u16),
    /// The address to listen on, and the host the others reach it by.
    pub bind_host: String,
    pub external_host: Option<String>,
    /// Arrow Flight (shuffle data) and gRPC ports.
    pub flight_port: u16,
    pub grpc_port: u16,
    /// Tasks run at once (0: one per core).
    pub tasks: usize,
    /// Shuffle files (a temporary folder when absent).
    pub work_dir: Option<String>,
    /// The memory all tasks may use together, in bytes, beyond which operators spill.
    pub memory_limit: Option<u64>,
}

/// Runs an executor until the process is stopped.
pub async fn executor(opts: ExecutorOptions) -> Result<(), ClusterError> {
    init_log();
    // Ballista's registry holds DataFusion's core functions; the library also uses the
    // nested ones (maps and lists: `map_keys`, `array_has`, ...).
    let mut registry = BallistaFunctionRegistry::default();
    for f in datafusion::functions_nested::all_default_nested_functions() {
        registry.scalar_functions.insert(f.name().to_string(), f);
    }
    for f in wecon_engine::functions() {
        registry
            .scalar_functions
            .insert(f.name().to_string(), Arc::new(f));
    }
    for f in wecon_engine::window_functions() {
        registry
            .window_functions
            .insert(f.name().to_string(), Arc::new(f));
    }
    let work_dir = opts.work_dir.clone();
    let config = ExecutorProcessConfig {
        bind_host: opts.bind_host,
        external_host: opts.external_host,
        port: opts.flight_port,
        grpc_port: opts.grpc_port,
        scheduler_host: opts.scheduler.0,
        scheduler_port: opts.scheduler.1,
        scheduler_connect_timeout_seconds: 30,
        vcores: opts.tasks,
        work_dir: opts.work_dir,
        memory_pool_size: opts.memory_limit,
        override_function_registry: Some(Arc::new(registry)),
        // Ballista wraps this runtime in each task's memory pool.
        override_runtime_producer: Some(Arc::new(move |_config: &SessionConfig| {
            let mut builder = RuntimeEnvBuilder::new()
                .with_object_store_registry(Arc::new(wecon_engine::stores::EnvStores::default()));
            if let Some(dir) = &work_dir {
                builder = builder.with_temp_file_path(dir);
            }
            builder.build_arc()
        })),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config)).await.map_err(err)
}
