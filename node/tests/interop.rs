//! The real `org-tool publish` and `bootstrap` binaries with the real node: the payload contract
//! checked end to end. Those binaries belong to other crates, so `cargo test -p proofgrid-node`
//! does not build them; build them first and run this with `--ignored`:
//!
//! ```text
//! cargo build --release -p proofgrid-org-tool -p proofgrid-bootstrap
//! cargo test --release -p proofgrid-node --test interop -- --ignored
//! ```

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{programs_dir, verified, Donor};

fn sibling(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_node")).with_file_name(name);
    assert!(path.exists(), "{} is missing: cargo build --release -p proofgrid-org-tool -p proofgrid-bootstrap", path.display());
    path
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if !s.trim().is_empty() {
                return s.trim().to_string();
            }
        }
        assert!(Instant::now() < deadline, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the org-tool and bootstrap binaries; see the module doc"]
async fn real_org_tool_gets_every_shard_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let shards = tmp.path().join("shards.jsonl");
    std::fs::write(&shards, "[2, 40]\n[40, 80]\n[80, 120]\n").unwrap();
    let boot_file = tmp.path().join("boot.addr");
    let _boot = Killed(
        Command::new(sibling("bootstrap"))
            .args(["--listen", "/ip4/127.0.0.1/tcp/0", "--addr-file"])
            .arg(&boot_file)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let boot: proofgrid_protocol::Multiaddr = wait_file(&boot_file).parse().unwrap();
    let mut org = Killed(
        Command::new(sibling("org-tool"))
            .arg("publish")
            .arg(programs_dir().join("primes.json"))
            .arg("--shards")
            .arg(&shards)
            .args(["--name", "interop", "--listen", "/ip4/127.0.0.1/tcp/0", "--exit-when-done", "--bootstrap", &boot.to_string(), "--data-dir"])
            .arg(tmp.path().join("org"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut donor = Donor::start(&tmp.path().join("node"), &boot, &["--busy-cpu-percent", "100"]);
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = org.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "org-tool did not finish; node log:\n{}", donor.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "org-tool exited with {status}");
    let st = donor.wait_status("three verdicts", |s| verified(s) == 3).await;
    assert_eq!(st.projects[0].stats.rejected, 0);
    assert!(donor.stop().await.success());
}
