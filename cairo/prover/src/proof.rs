//! A Cairo proof: the statement, the prover's parameters and the STARK, with a versioned encoding.

use crate::error::VerifyError;
use crate::public::ProofParams;
use proofgrid_cairo::Statement;
use proofgrid_stark::StarkProof;

const MAGIC: &[u8; 4] = b"PGCP";
/// Bumped with any change to the AIR or the encoding.
pub const CAIRO_PROOF_VERSION: u16 = 3;
/// Decoding never allocates more than this.
pub const MAX_CAIRO_PROOF_BYTES: usize = 96 << 20;

#[derive(Clone, Debug, PartialEq)]
pub struct CairoProof {
    pub statement: Statement,
    pub params: ProofParams,
    pub stark: StarkProof,
}

fn put_chunk(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend((bytes.len() as u64).to_be_bytes());
    out.extend(bytes);
}

fn take_chunk<'a>(bytes: &mut &'a [u8]) -> Result<&'a [u8], VerifyError> {
    let short = || VerifyError::Decode("truncated proof".into());
    if bytes.len() < 8 {
        return Err(short());
    }
    let len = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
    let len = usize::try_from(len).map_err(|_| short())?;
    if bytes.len() - 8 < len {
        return Err(short());
    }
    let chunk = &bytes[8..8 + len];
    *bytes = &bytes[8 + len..];
    Ok(chunk)
}

impl CairoProof {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(CAIRO_PROOF_VERSION.to_be_bytes());
        put_chunk(&mut out, &self.statement.encode());
        put_chunk(&mut out, &bincode::serde::encode_to_vec(&self.params, bincode::config::standard()).expect("params encode"));
        put_chunk(&mut out, &self.stark.to_bytes());
        out
    }

    /// Never panics; refuses other versions and anything above [`MAX_CAIRO_PROOF_BYTES`].
    pub fn from_bytes(bytes: &[u8]) -> Result<CairoProof, VerifyError> {
        ProofHeader::read(bytes)?.decode_stark()
    }
}

/// A proof's statement and parameters, decoded, with its STARK still in bytes: what a verifier
/// checks against the job before it decodes (and allocates for) the STARK itself.
#[derive(Debug)]
pub struct ProofHeader<'a> {
    pub statement: Statement,
    pub params: ProofParams,
    stark: &'a [u8],
}

impl<'a> ProofHeader<'a> {
    /// Reads the framing, the statement and the parameters; never panics.
    pub fn read(bytes: &'a [u8]) -> Result<ProofHeader<'a>, VerifyError> {
        let d = |s: String| VerifyError::Decode(s);
        if bytes.len() > MAX_CAIRO_PROOF_BYTES {
            return Err(d(format!("{} bytes exceed the {MAX_CAIRO_PROOF_BYTES}-byte limit", bytes.len())));
        }
        if bytes.len() < 6 || &bytes[..4] != MAGIC {
            return Err(d("not a proofgrid Cairo proof (bad magic bytes)".into()));
        }
        let version = u16::from_be_bytes([bytes[4], bytes[5]]);
        if version != CAIRO_PROOF_VERSION {
            return Err(d(format!(
                "Cairo proof format version {version}, this build reads version {CAIRO_PROOF_VERSION}; upgrade the older side"
            )));
        }
        let mut rest = &bytes[6..];
        let statement = Statement::decode(take_chunk(&mut rest)?).map_err(d)?;
        let params_bytes = take_chunk(&mut rest)?;
        let config = bincode::config::standard().with_limit::<4096>();
        let (params, used): (ProofParams, usize) =
            bincode::serde::decode_from_slice(params_bytes, config).map_err(|e| d(format!("proof parameters: {e}")))?;
        if used != params_bytes.len() {
            return Err(d("trailing bytes after the proof parameters".into()));
        }
        let stark = take_chunk(&mut rest)?;
        if !rest.is_empty() {
            return Err(d(format!("{} trailing bytes after the proof", rest.len())));
        }
        Ok(ProofHeader { statement, params, stark })
    }

    /// Decodes the STARK: the whole proof.
    pub fn decode_stark(self) -> Result<CairoProof, VerifyError> {
        let stark = StarkProof::from_bytes(self.stark).map_err(|e| VerifyError::Decode(e.to_string()))?;
        Ok(CairoProof { statement: self.statement, params: self.params, stark })
    }
}
