//! What a post wants: a complaint, a question, praise, an intent to buy, or none of these.
//!
//! [`classify_intent`] is a fast rule set (see [`rules`]) that reads cue phrases on the
//! normalised words (`where can I buy`, `thinking of buying`, `still waiting`, `thank
//! you`...), question marks and question openers, and VADER's scores when given.
//! [`LearnedIntent`] puts [`crate::learn`]'s classifier in front of the rules once labelled
//! posts exist. The reason a complaint is about is a plain [`crate::learn::Model`] trained
//! on the reasons of negative posts (the airline data's `negativereason`).

mod learned;
pub mod rules;

pub use learned::LearnedIntent;
pub use rules::classify_intent;

/// What a post wants; defined in `rapport-model` (the store and the web app speak of it too)
/// and re-exported here.
pub use rapport_model::Intent;

#[cfg(test)]
mod tests;
