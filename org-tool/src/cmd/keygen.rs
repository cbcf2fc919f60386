//! `org-tool keygen`: the organization's identity (an ed25519 key in the data dir). Donors know an
//! org by the peer id it gives; announcements are signed with this key.

use proofgrid_protocol::identity;

use super::DataDir;

/// Create the organization's key in the data dir (or show the existing one) and print its peer id.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool keygen --data-dir ./org-data\n  org-tool keygen --json\n\n\
The key file (identity.key, mode 0600) is the org's identity: back it up. Running keygen again never replaces it.")]
pub struct KeygenArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: KeygenArgs) -> anyhow::Result<()> {
    let dir = cli.data.path()?;
    let existed = dir.join(identity::KEY_FILE).exists();
    let key = identity::load_or_create(&dir)?;
    let peer = key.public().to_peer_id();
    let file = dir.join(identity::KEY_FILE);
    if cli.json {
        println!("{}", serde_json::json!({ "peer_id": peer.to_string(), "key_file": file.display().to_string(), "created": !existed }));
    } else {
        println!("peer id   {peer}");
        println!("key file  {}{}", file.display(), if existed { " (existing key kept)" } else { " (new)" });
    }
    Ok(())
}
