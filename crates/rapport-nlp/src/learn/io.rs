//! The model file: a header, then the model in postcard, then a checksum.
//!
//! ```text
//! bytes 0..8    magic  b"RAPNLPM\0"
//! bytes 8..12   format version, u32 little-endian (now 1)
//! bytes 12..20  payload length, u64 little-endian
//! bytes 20..28  XXH3-64 of the payload, u64 little-endian
//! bytes 28..    payload: postcard of the labels, feature and training configuration,
//!               biases, and the weights of the feature rows that are not all zero
//!               (row numbers delta-coded)
//! ```

use super::features::FeatureConfig;
use super::model::{Model, TrainInfo};
use super::{Label, ModelError};
use serde::{Deserialize, Serialize};
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

const MAGIC: &[u8; 8] = b"RAPNLPM\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const HEADER: usize = 28;

#[derive(Serialize, Deserialize)]
struct Stored {
    labels: Vec<Label>,
    features: FeatureConfig,
    info: TrainInfo,
    bias: Vec<f32>,
    /// Gaps between the numbers of the rows stored (the first is the row number itself).
    row_gaps: Vec<u32>,
    /// `row_gaps.len() × labels.len()` weights.
    weights: Vec<f32>,
}

impl Model {
    /// The model as the bytes of a model file (see [`crate::learn`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.labels.len().max(1);
        let mut row_gaps = Vec::new();
        let mut weights = Vec::new();
        let mut last = 0usize;
        for (row, w) in self.weights.chunks(c).enumerate() {
            if w.iter().any(|v| *v != 0.0) {
                row_gaps.push((row - last) as u32);
                last = row;
                weights.extend_from_slice(w);
            }
        }
        let stored = Stored {
            labels: self.labels.clone(),
            features: self.features,
            info: self.info.clone(),
            bias: self.bias.clone(),
            row_gaps,
            weights,
        };
        let payload = postcard::to_allocvec(&stored).unwrap_or_default();
        let mut out = Vec::with_capacity(HEADER + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Reads a model from the bytes of a model file, checking its magic, version, length,
    /// checksum and shape.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(ModelError::NotAModel);
        }
        if bytes.len() < HEADER {
            return Err(ModelError::Corrupt("the header is cut short".into()));
        }
        let word = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let mut v = [0u8; 4];
        v.copy_from_slice(&bytes[8..12]);
        let version = u32::from_le_bytes(v);
        if version != FORMAT_VERSION {
            return Err(ModelError::Version {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let len = word(12);
        let payload = &bytes[HEADER..];
        if payload.len() as u64 != len {
            return Err(ModelError::Corrupt(format!(
                "the payload is {} bytes, the header says {len} (truncated or padded file)",
                payload.len()
            )));
        }
        if xxh3_64(payload) != word(20) {
            return Err(ModelError::Corrupt("checksum mismatch".into()));
        }
        let stored: Stored = postcard::from_bytes(payload)
            .map_err(|e| ModelError::Corrupt(format!("cannot decode the model: {e}")))?;
        let c = stored.labels.len();
        if c < 2 || stored.bias.len() != c {
            return Err(ModelError::Corrupt(format!(
                "{c} labels and {} biases",
                stored.bias.len()
            )));
        }
        if stored.weights.len() != stored.row_gaps.len() * c {
            return Err(ModelError::Corrupt(
                "weights do not match their rows".into(),
            ));
        }
        let features = FeatureConfig {
            hash_bits: stored.features.hash_bits.clamp(12, 24),
            ..stored.features
        };
        let dim = features.dim();
        let mut weights = vec![0f32; dim * c];
        let mut row = 0usize;
        for (k, gap) in stored.row_gaps.iter().enumerate() {
            row += *gap as usize;
            let Some(dest) = weights.get_mut(row * c..row * c + c) else {
                return Err(ModelError::Corrupt(format!(
                    "row {row} is outside the feature space of {dim}"
                )));
            };
            dest.copy_from_slice(&stored.weights[k * c..k * c + c]);
        }
        Ok(Model {
            labels: stored.labels,
            features,
            weights,
            bias: stored.bias,
            info: stored.info,
        })
    }

    /// Writes the model file at `path`.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        std::fs::write(path, self.to_bytes()).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads the model file at `path`.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Model::from_bytes(&bytes).map_err(|e| match e {
            ModelError::Io { .. } => e,
            other => ModelError::File {
                path: path.to_path_buf(),
                source: Box::new(other),
            },
        })
    }
}
