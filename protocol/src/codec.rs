//! The request-response codec: `[version u8][kind u8][len u32 BE][bincode payload]`.
//!
//! The kind comes before the length so the reader knows the cap for that kind of message and
//! can refuse an oversize frame from its header alone, before reading or allocating its payload.
//! After decoding, the payload's own kind must match the header's, so a small-capped kind cannot
//! smuggle a large variant and a large-capped kind cannot carry a small one past its cap.

use std::{io, marker::PhantomData, time::Duration};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use serde::{de::DeserializeOwned, Serialize};
use tokio::sync::mpsc;

use std::sync::Arc;

use crate::budget::{Budget, Reservation};
use crate::limits::Limits;
use crate::wire::{self, WireError, WIRE_VERSION};

/// Protocol id of the work protocol (donor ↔ org).
pub const WORK_PROTOCOL: StreamProtocol = StreamProtocol::new("/proofgrid/work/1.0.0");
/// Protocol id of the directory protocol (anyone ↔ bootstrap).
pub const DIRECTORY_PROTOCOL: StreamProtocol = StreamProtocol::new("/proofgrid/directory/1.0.0");

const HEADER_LEN: usize = 6;

/// A message that travels in a codec frame.
pub trait Frame: Serialize + DeserializeOwned + Send + 'static {
    /// Names the message family in errors ("work request").
    const WHAT: &'static str;
    /// A stable tag per variant, written in the header.
    fn kind(&self) -> u8;
    /// The payload cap for a kind, or `None` for a kind this version does not know.
    fn cap(kind: u8, limits: &Limits) -> Option<usize>;
}

/// A response the network layer can produce on its own when it refuses to pass a request on.
pub trait Reply: Frame {
    fn rate_limited(retry_after: Duration) -> Self;
}

/// Encodes a message into a complete frame, refusing one over its own cap: a peer never sends
/// what its counterpart would refuse under the same limits.
pub fn encode_frame<M: Frame>(msg: &M, limits: &Limits) -> Result<Vec<u8>, WireError> {
    let kind = msg.kind();
    let cap = M::cap(kind, limits).ok_or(WireError::UnknownKind {
        what: M::WHAT,
        kind,
    })?;
    let payload = wire::encode(msg, M::WHAT)?;
    if payload.len() > cap {
        return Err(WireError::TooLarge {
            what: M::WHAT,
            len: payload.len(),
            cap,
        });
    }
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    frame.push(WIRE_VERSION);
    frame.push(kind);
    frame.extend((payload.len() as u32).to_be_bytes());
    frame.extend(payload);
    Ok(frame)
}

/// Checks a frame header and returns the payload length it announces.
pub fn check_header<M: Frame>(
    header: [u8; HEADER_LEN],
    limits: &Limits,
) -> Result<(u8, usize), WireError> {
    if header[0] != WIRE_VERSION {
        return Err(WireError::UnknownVersion { found: header[0] });
    }
    let kind = header[1];
    let cap = M::cap(kind, limits).ok_or(WireError::UnknownKind {
        what: M::WHAT,
        kind,
    })?;
    let len = u32::from_be_bytes([header[2], header[3], header[4], header[5]]) as usize;
    if len > cap {
        return Err(WireError::TooLarge {
            what: M::WHAT,
            len,
            cap,
        });
    }
    Ok((kind, len))
}

/// Decodes a payload whose header has been checked.
pub fn decode_payload<M: Frame>(kind: u8, payload: &[u8]) -> Result<M, WireError> {
    let msg: M = wire::decode(payload, M::WHAT)?;
    if msg.kind() != kind {
        return Err(WireError::KindMismatch {
            what: M::WHAT,
            header: kind,
            payload: msg.kind(),
        });
    }
    Ok(msg)
}

/// Decodes a complete frame held in memory (the stream reader's logic, for tests and tools).
pub fn decode_frame<M: Frame>(frame: &[u8], limits: &Limits) -> Result<M, WireError> {
    let header: [u8; HEADER_LEN] = frame
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(WireError::Decode {
            what: M::WHAT,
            detail: "truncated header".into(),
        })?;
    let (kind, len) = check_header::<M>(header, limits)?;
    let payload = &frame[HEADER_LEN..];
    if payload.len() != len {
        return Err(WireError::Decode {
            what: M::WHAT,
            detail: format!(
                "header announces {len} payload bytes, frame holds {}",
                payload.len()
            ),
        });
    }
    decode_payload(kind, payload)
}

/// Reads one frame. `admit` is called with the announced length once the header has passed its
/// checks, then with each chunk's length before that chunk is read, and may refuse either.
async fn read_frame<M: Frame, T: AsyncRead + Unpin + Send>(
    io: &mut T,
    limits: &Limits,
    mut admit: impl FnMut(Admit) -> io::Result<()> + Send,
) -> io::Result<M> {
    let mut header = [0u8; HEADER_LEN];
    io.read_exact(&mut header).await?;
    let (kind, len) = check_header::<M>(header, limits).map_err(invalid_data)?;
    admit(Admit::Header(len))?;
    // Grow the buffer as bytes arrive rather than reserving `len` up front: a peer that
    // announces a large frame and stalls costs us nothing.
    // Chunks of the small-frame cap: a request holds at most one chunk more than it has sent.
    let step = limits.small.max(1);
    let mut payload = Vec::with_capacity(len.min(step));
    while payload.len() < len {
        let chunk = (len - payload.len()).min(step);
        admit(Admit::Chunk(chunk))?;
        let read = (&mut *io).take(chunk as u64).read_to_end(&mut payload).await?;
        if read != chunk {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} frame ended after {} of {len} bytes", M::WHAT, payload.len()),
            ));
        }
    }
    decode_payload(kind, &payload).map_err(invalid_data)
}

/// What [`read_frame`] asks its admission check about.
#[derive(Debug, Clone, Copy)]
enum Admit {
    /// The frame's announced payload length.
    Header(usize),
    /// The next chunk of payload, about to be read.
    Chunk(usize),
}

async fn write_frame<M: Frame, T: AsyncWrite + Unpin + Send>(
    io: &mut T,
    msg: M,
    limits: &Limits,
) -> io::Result<()> {
    let frame =
        encode_frame(&msg, limits).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    io.write_all(&frame).await?;
    io.flush().await
}

fn invalid_data(e: WireError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// An inbound request the codec refused to read. request-response only logs such failures (at
/// debug, without telling the behaviour), so the codec reports them itself; it cannot know the
/// peer, which the stream does not carry.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub protocol: String,
    pub reason: String,
    /// Refused for lack of budget (not the peer's fault) rather than for bad bytes.
    pub busy: bool,
}

/// The libp2p request-response codec for one protocol's request and response types.
///
/// libp2p clones the codec for every stream and uses that clone for the request and its
/// response, so a clone can hold the stream's budget reservation until the stream ends.
pub struct Codec<Req, Resp> {
    limits: Limits,
    refusals: Option<mpsc::Sender<Refusal>>,
    budget: Arc<Budget>,
    held: Option<Reservation>,
    _types: PhantomData<fn() -> (Req, Resp)>,
}

impl<Req, Resp> Codec<Req, Resp> {
    pub fn new(limits: Limits) -> Self {
        Codec {
            limits,
            refusals: None,
            budget: Budget::new(limits.inflight_bulk),
            held: None,
            _types: PhantomData,
        }
    }

    /// Reports refused inbound requests on `tx` (dropped, never awaited, when it is full).
    pub fn with_refusals(mut self, tx: mpsc::Sender<Refusal>) -> Self {
        self.refusals = Some(tx);
        self
    }

    /// Shares one budget between codecs (both protocols of a swarm).
    pub fn with_budget(mut self, budget: Arc<Budget>) -> Self {
        self.budget = budget;
        self
    }
}

// Manual impls: deriving would demand `Req: Clone` etc. for no reason.
impl<Req, Resp> Clone for Codec<Req, Resp> {
    fn clone(&self) -> Self {
        Codec {
            limits: self.limits,
            refusals: self.refusals.clone(),
            budget: self.budget.clone(),
            held: None,
            _types: PhantomData,
        }
    }
}

impl<Req, Resp> Default for Codec<Req, Resp> {
    fn default() -> Self {
        Codec::new(Limits::default())
    }
}

impl<Req: Frame, Resp: Frame> libp2p::request_response::Codec for Codec<Req, Resp> {
    type Protocol = StreamProtocol;
    type Request = Req;
    type Response = Resp;

    async fn read_request<T>(&mut self, protocol: &StreamProtocol, io: &mut T) -> io::Result<Req>
    where
        T: AsyncRead + Unpin + Send,
    {
        let (limits, budget) = (self.limits, self.budget.clone());
        let mut held: Option<Reservation> = None;
        let mut busy = false;
        let result = read_frame(io, &limits, |step| {
            match step {
                // Small frames are not worth accounting: the stream limits bound them well enough.
                Admit::Header(len) if len > limits.small => held = budget.reserve(0),
                Admit::Header(_) => {}
                Admit::Chunk(n) => {
                    if let Some(r) = held.as_mut() {
                        // Twice the bytes read: the frame's buffer and the request decoded from
                        // it (a proof's bytes are copied out of the frame) both live until the
                        // frame is dropped, so the budget bounds memory, not just bytes.
                        if !r.grow(n.saturating_mul(2)) {
                            busy = true;
                            return Err(io::Error::other(format!(
                                "busy: {} of {} bytes of large requests in flight; this request must wait",
                                budget.used(),
                                budget.max()
                            )));
                        }
                    }
                }
            }
            Ok(())
        })
        .await;
        // Kept until this stream's codec is dropped: after the response is written, or when the
        // stream times out or fails.
        self.held = held;
        if let (Err(e), Some(tx)) = (&result, &self.refusals) {
            if busy || e.kind() == io::ErrorKind::InvalidData {
                let _ = tx.try_send(Refusal {
                    protocol: protocol.to_string(),
                    reason: e.to_string(),
                    busy,
                });
            }
        }
        result
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Resp>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_frame(io, &self.limits, |_| Ok(())).await
    }

    async fn write_request<T>(&mut self, _: &StreamProtocol, io: &mut T, req: Req) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, req, &self.limits).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        resp: Resp,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, resp, &self.limits).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{JobId, ProgramHash};
    use crate::messages::{WorkRequest, WorkResponse};
    use futures::executor::block_on;

    fn limits() -> Limits {
        Limits {
            small: 1024,
            listing: 4096,
            program: 8192,
            bulk: 16384,
            inflight_bulk: 40_000,
        }
    }

    fn read<M: Frame>(bytes: &[u8]) -> io::Result<M> {
        block_on(read_frame(&mut &bytes[..], &limits(), |_| Ok(())))
    }

    #[test]
    fn a_stalled_large_request_holds_only_the_bytes_it_sent() {
        use libp2p::request_response::Codec as _;
        let codec = Codec::<WorkRequest, WorkResponse>::new(limits());
        let proof = WorkRequest::SubmitProof { job: JobId([0; 32]), shard: 0, proof: vec![1; 12_000] };
        let frame = encode_frame(&proof, &limits()).unwrap();
        // The header and a few bytes, then the sender stalls (the stream never ends).
        use futures::TryStreamExt;
        use std::future::Future;
        let (tx, rx) = futures::channel::mpsc::unbounded::<io::Result<Vec<u8>>>();
        tx.unbounded_send(Ok(frame[..100].to_vec())).unwrap();
        let mut stream = rx.into_async_read();
        let mut stalled = codec.clone();
        let protocol = WORK_PROTOCOL;
        let read = stalled.read_request(&protocol, &mut stream);
        futures::pin_mut!(read);
        let waker = futures::task::noop_waker();
        assert!(read.as_mut().poll(&mut std::task::Context::from_waker(&waker)).is_pending());
        // The stalled stream holds the one chunk it is reading (twice: frame and request), not
        // its announced 12 KB: another request of that size (24 KB held) still fits the 40 KB
        // budget beside it.
        assert_eq!(codec.budget.used(), 2 * limits().small);
        assert!(block_on(codec.clone().read_request(&WORK_PROTOCOL, &mut &frame[..])).is_ok());
        drop(tx);
    }

    #[test]
    fn oversize_header_is_refused_before_the_payload_is_read() {
        // Header only: announces a 1 GiB proof. If the reader tried to read or allocate the
        // payload it would hit EOF instead of the cap error.
        let mut frame = vec![WIRE_VERSION, 3];
        frame.extend((1u32 << 30).to_be_bytes());
        let err = read::<WorkRequest>(&frame).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string().contains("exceeds the 16384-byte cap"),
            "{err}"
        );
    }

    #[test]
    fn unknown_version_and_kind_fail_clearly() {
        let mut frame = encode_frame(&WorkRequest::ListJobs, &limits()).unwrap();
        frame[0] = 2;
        let err = decode_frame::<WorkRequest>(&frame, &limits()).unwrap_err();
        assert!(err.to_string().contains("wire version 2"), "{err}");
        frame[0] = WIRE_VERSION;
        frame[1] = 99;
        let err = decode_frame::<WorkRequest>(&frame, &limits()).unwrap_err();
        assert!(
            matches!(err, WireError::UnknownKind { kind: 99, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_small_kind_cannot_carry_a_bulk_variant() {
        let msg = WorkRequest::SubmitProof {
            job: JobId([0; 32]),
            shard: 1,
            proof: vec![5; 100],
        };
        let mut frame = encode_frame(&msg, &limits()).unwrap();
        frame[1] = 0; // claim to be ListJobs
        let err = decode_frame::<WorkRequest>(&frame, &limits()).unwrap_err();
        assert!(
            matches!(
                err,
                WireError::KindMismatch {
                    header: 0,
                    payload: 3,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn the_writer_refuses_what_the_reader_would_refuse() {
        let msg = WorkResponse::Program {
            hash: ProgramHash([0; 32]),
            bytes: vec![0; 9000],
        };
        assert!(matches!(
            encode_frame(&msg, &limits()),
            Err(WireError::TooLarge { cap: 8192, .. })
        ));
        let mut sink = Vec::new();
        let err = block_on(write_frame(
            &mut futures::io::Cursor::new(&mut sink),
            msg,
            &limits(),
        ))
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            sink.is_empty(),
            "nothing may be written for a refused frame"
        );
    }

    #[test]
    fn stream_round_trip() {
        let msg = WorkRequest::SubmitTrace {
            job: JobId([9; 32]),
            shard: 7,
            trace: vec![1; 10_000],
        };
        let frame = encode_frame(&msg, &limits()).unwrap();
        let back: WorkRequest = read(&frame).unwrap();
        assert_eq!(back, msg);
        // Truncated stream: a clear EOF, not a hang or panic.
        let err = read::<WorkRequest>(&frame[..frame.len() - 1]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn large_requests_share_a_budget_held_until_their_stream_ends() {
        use libp2p::request_response::Codec as _;
        let (tx, mut refusals) = mpsc::channel(4);
        let codec = Codec::<WorkRequest, WorkResponse>::new(limits()).with_refusals(tx);
        let proof = |n| WorkRequest::SubmitProof {
            job: JobId([0; 32]),
            shard: 0,
            proof: vec![1; n],
        };
        let frame = encode_frame(&proof(12_000), &limits()).unwrap();
        let (mut first, mut second) = (codec.clone(), codec.clone());
        let p = WORK_PROTOCOL;

        assert_eq!(
            block_on(first.read_request(&p, &mut &frame[..])).unwrap(),
            proof(12_000)
        );
        // 12 KB read by the first stream hold 24 KB of the budget (frame and request): another
        // 12 KB would exceed the 40 KB budget.
        let err = block_on(second.read_request(&p, &mut &frame[..])).unwrap_err();
        assert!(err.to_string().starts_with("busy:"), "{err}");
        let refusal = refusals.try_recv().unwrap();
        assert!(refusal.busy, "{refusal:?}");
        // Small requests are not accounted.
        let small = encode_frame(&WorkRequest::ListJobs, &limits()).unwrap();
        assert!(block_on(second.clone().read_request(&p, &mut &small[..])).is_ok());
        // The first stream ends: its bytes are returned.
        drop(first);
        assert!(block_on(second.read_request(&p, &mut &frame[..])).is_ok());
    }
}
