//! The governor on a real process: a busy-loop child held to a CPU share by SIGSTOP/SIGCONT,
//! measured from /proc (the CPU time the kernel charged it), not from our own clocks.

use std::process::Command;
use std::time::{Duration, Instant};

use proofgrid_node::governor::DutyController;
use proofgrid_node::supervisor::Controlled;

fn busy_loop() -> Controlled {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "while :; do :; done"]);
    Controlled::spawn(cmd, None).unwrap()
}

/// Runs the duty cycle on a busy child for `secs` and returns the share of one core it used.
async fn measured_share(share: f64, secs: f64) -> f64 {
    let mut child = busy_loop();
    let mut duty = DutyController::new(share, 1);
    let origin = Instant::now();
    let (cpu0, _) = child.usage().unwrap();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    while origin.elapsed().as_secs_f64() < secs {
        tick.tick().await;
        let (cpu, _) = child.usage().unwrap();
        if duty.tick(origin.elapsed(), cpu - cpu0) {
            child.resume();
        } else {
            child.stop();
        }
    }
    let (cpu1, _) = child.usage().unwrap();
    let wall = origin.elapsed().as_secs_f64();
    child.kill();
    (cpu1 - cpu0) / wall
}

#[tokio::test]
async fn duty_cycle_holds_a_busy_loop_to_its_share() {
    // The bar: within ±10% of the target over a minute; the second share is a shorter
    // check that the loop follows another target too.
    for (share, secs) in [(0.3, 60.0), (0.6, 10.0)] {
        let used = measured_share(share, secs).await;
        assert!((used - share).abs() <= 0.1 * share + 0.02, "target {share}, measured {used:.3}");
    }
}

#[tokio::test]
async fn a_stopped_worker_uses_no_cpu_and_resumes() {
    let mut child = busy_loop();
    child.stop();
    // Let any in-flight time slice end, then measure over a window.
    let (a, _) = wait_usage_settles(&child).await;
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    for _ in 0..5 {
        tick.tick().await;
    }
    let (b, _) = child.usage().unwrap();
    assert!(b - a < 0.02, "stopped child used {:.3} s of CPU in {:?}", b - a, start.elapsed());
    child.resume();
    for _ in 0..5 {
        tick.tick().await;
    }
    let (c, _) = child.usage().unwrap();
    assert!(c - b > 0.1, "resumed child used only {:.3} s", c - b);
    child.kill();
}

async fn wait_usage_settles(child: &Controlled) -> (f64, u64) {
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.tick().await;
    tick.tick().await;
    child.usage().unwrap()
}

#[tokio::test]
async fn the_memory_cap_is_applied_to_the_child() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("limit");
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!("ulimit -v > {}", out.display()));
    let mut child = Controlled::spawn(cmd, Some(512 << 20)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    while child.try_exit(None).unwrap().is_none() {
        assert!(Instant::now() < deadline, "sh did not exit");
        tick.tick().await;
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap().trim(), "524288");
}

/// How a capturing child ended is told from its stderr: an allocation that failed under the cap
/// is "needs memory" (not worth a retry), any other abort a crash that quotes its last words.
#[test]
fn an_allocation_failure_is_told_from_a_crash() {
    use proofgrid_node::supervisor::Exit;
    let end = |script: &str| {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        let mut child = Controlled::spawn_capturing(cmd, None).unwrap();
        let start = Instant::now();
        loop {
            if let Some(exit) = child.try_exit(None).unwrap() {
                return exit;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{script} did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    match end("echo 'memory allocation of 1048576 bytes failed' >&2; kill -ABRT $$") {
        Exit::NeedsMemory(why) => assert!(why.contains("1048576 bytes"), "{why}"),
        other => panic!("expected NeedsMemory, got {other:?}"),
    }
    match end("echo 'thread main panicked at src/x.rs' >&2; kill -ABRT $$") {
        Exit::Crashed(why) => assert!(why.contains("SIGABRT") && why.contains("panicked at src/x.rs"), "{why}"),
        other => panic!("expected a crash, got {other:?}"),
    }
}
