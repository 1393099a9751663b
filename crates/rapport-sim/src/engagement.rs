//! Likes, reposts and replies: driven by the author's audience, the network, and luck.

use crate::dice::Dice;
use crate::truth::Sentiment;
use rapport_model::{Engagement, Network};

/// What kind of post is being counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A post that starts a conversation.
    Root,
    /// A reply or comment.
    Reply,
    /// A repost (its counts belong to the original).
    Repost,
    /// Junk.
    Spam,
    /// The brand's own account.
    Brand,
}

/// Engagement for a post. On X, Bluesky and Mastodon likes grow with followers (a power
/// law) times a log-normal "virality"; Reddit and Hacker News scores are log-normal per
/// community; feeds carry none.
pub(crate) fn engagement(
    dice: &mut Dice,
    network: Network,
    followers: u64,
    role: Role,
    sentiment: Sentiment,
) -> Engagement {
    if role == Role::Repost {
        return Engagement::default();
    }
    match network {
        Network::X | Network::Bluesky | Network::Mastodon => {
            let mut mean = 0.03 * (followers as f64 + 10.0).powf(0.8);
            mean *= match role {
                Role::Reply => 0.25,
                Role::Spam => 0.05,
                Role::Brand => 0.6,
                _ => 1.0,
            };
            let outrage = if sentiment == Sentiment::Negative {
                1.3
            } else {
                1.0
            };
            let virality = dice.log_normal(-0.5, 1.0);
            let likes = dice.count(mean * outrage * virality);
            let share = match network {
                Network::X => 0.2,
                Network::Mastodon => 0.35,
                _ => 0.15,
            };
            Engagement {
                likes,
                reposts: dice.count(likes as f64 * share * outrage),
                replies: dice.count(likes as f64 * 0.08 + 0.2),
            }
        }
        Network::Reddit => {
            let (score, comments) = if role == Role::Reply {
                (dice.log_normal(2f64.ln(), 1.0), 0.1)
            } else {
                (dice.log_normal(8f64.ln(), 1.5), 1.0)
            };
            let likes = score.min(1e6) as u64;
            Engagement {
                likes,
                reposts: 0,
                replies: dice.count(likes as f64 * 0.2 * comments + comments),
            }
        }
        Network::HackerNews => {
            if role == Role::Reply {
                Engagement {
                    likes: 0,
                    reposts: 0,
                    replies: dice.count(0.3),
                }
            } else {
                let points = dice.log_normal(3f64.ln(), 1.6).min(5e3) as u64 + 1;
                Engagement {
                    likes: points,
                    reposts: 0,
                    replies: dice.count(points as f64 * 0.5),
                }
            }
        }
        _ => Engagement::default(),
    }
}
