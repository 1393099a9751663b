//! Which posts need an answer, and how urgently: the inbox's ranking policy.
//!
//! The policy is deliberately simple and explainable to an agent who asks "why is this at
//! the top?": a weight for the intent, more for negativity, more for reach, and (applied at
//! read time, see [`Triage`]) more for every hour it has waited.

use rapport_model::{Analysis, InboxReason, Intent, Post, Triage};

/// Compound score at or below which a post needs an answer whatever its intent.
pub const STRONGLY_NEGATIVE: f64 = -0.5;

/// Urgency of each reason before negativity and reach.
fn reason_weight(reason: InboxReason) -> f64 {
    match reason {
        InboxReason::Complaint => 3.0,
        InboxReason::Negative => 2.5,
        InboxReason::Question => 2.0,
        InboxReason::PurchaseIntent => 1.5,
    }
}

/// Whether `post` needs an answer and with what urgency on arrival; `None` for posts that
/// do not (praise, chatter, mildly negative asides).
///
/// `base_priority = reason weight + 2 × negativity + 0.5 × log10(1 + followers)`, where
/// negativity is `max(0, -compound)`: a furious complaint from an account with 100k
/// followers (3 + 2 × 0.9 + 2.5 = 7.3) outranks a calm question from a small one (≈ 2.5)
/// until that question has waited about 19 hours.
pub fn triage(post: &Post, analysis: &Analysis) -> Option<Triage> {
    let compound = analysis.scores.compound;
    let reason = match analysis.intent {
        Intent::Complaint => InboxReason::Complaint,
        Intent::Question => InboxReason::Question,
        Intent::PurchaseIntent => InboxReason::PurchaseIntent,
        Intent::Praise | Intent::Other if compound <= STRONGLY_NEGATIVE => InboxReason::Negative,
        Intent::Praise | Intent::Other => return None,
    };
    let negativity = (-compound).max(0.0);
    let reach = post.author.followers.unwrap_or(0) as f64;
    let base_priority = reason_weight(reason) + 2.0 * negativity + 0.5 * (1.0 + reach).log10();
    Some(Triage {
        reason,
        base_priority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use rapport_model::{Author, Engagement, Network, SentimentLabel, SentimentScores};

    fn post(followers: Option<u64>) -> Post {
        Post {
            network: Network::Mastodon,
            native_id: "1".into(),
            url: None,
            author: Author {
                handle: "someone".into(),
                display_name: None,
                followers,
            },
            title: None,
            text: "text".into(),
            language: None,
            created_at: Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap(),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        }
    }

    fn analysis(intent: Intent, compound: f64) -> Analysis {
        Analysis {
            sentiment: SentimentLabel::from_compound(compound),
            scores: SentimentScores {
                compound,
                pos: 0.0,
                neu: 1.0,
                neg: 0.0,
            },
            intent,
            fingerprint: 0,
        }
    }

    #[test]
    fn complaints_questions_and_purchase_intent_need_an_answer() {
        let p = post(None);
        let reason = |intent, compound| triage(&p, &analysis(intent, compound)).map(|t| t.reason);
        assert_eq!(
            reason(Intent::Complaint, -0.3),
            Some(InboxReason::Complaint)
        );
        assert_eq!(reason(Intent::Question, 0.0), Some(InboxReason::Question));
        assert_eq!(
            reason(Intent::PurchaseIntent, 0.4),
            Some(InboxReason::PurchaseIntent)
        );
        assert_eq!(reason(Intent::Other, -0.7), Some(InboxReason::Negative));
        assert_eq!(reason(Intent::Other, -0.2), None);
        assert_eq!(reason(Intent::Praise, 0.9), None);
    }

    #[test]
    fn anger_and_reach_raise_priority() {
        let calm = triage(&post(Some(10)), &analysis(Intent::Complaint, -0.1)).unwrap();
        let angry = triage(&post(Some(10)), &analysis(Intent::Complaint, -0.9)).unwrap();
        let famous = triage(&post(Some(100_000)), &analysis(Intent::Complaint, -0.9)).unwrap();
        assert!(angry.base_priority > calm.base_priority);
        assert!(famous.base_priority > angry.base_priority);
        assert!((famous.base_priority - (3.0 + 1.8 + 0.5 * 100_001f64.log10())).abs() < 1e-9);
        let question = triage(&post(Some(10)), &analysis(Intent::Question, 0.0)).unwrap();
        assert!(calm.base_priority > question.base_priority);
    }
}
