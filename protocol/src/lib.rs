//! The proofgrid wire: message types, the bincode codec with size caps, the libp2p behaviour shared
//! by every role, the `Client`/`EventLoop` split and peer identity. It knows nothing of Cairo or of
//! any peer's storage.
