//! Understanding posts: what they feel, what they want, what language they are in, what
//! they are about, and which are copies of each other.
//!
//! - [`sentiment`]: VADER-compatible lexicon-and-rules scoring (parity with the reference
//!   Python package), and the sentiment labels.
//! - [`learn`]: a linear classifier over word and character n-grams plus VADER scores, trained
//!   from labelled posts (`rapport train`), for sentiment and intent.
//! - [`intent`]: complaint, question, praise, purchase intent, other.
//! - [`lang`]: language identification (ISO 639-1).
//! - [`themes`]: words and phrases that characterise a window of posts against a baseline.
//! - [`fingerprint`]: near-duplicate fingerprints.

pub mod fingerprint;
pub mod intent;
pub mod lang;
pub mod learn;
pub mod sentiment;
pub mod themes;
