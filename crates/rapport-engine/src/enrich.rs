//! Understanding each post before it is matched and stored: sentiment (VADER, or a learned
//! model when the deployment has one), language, intent and a near-duplicate fingerprint.

use rapport_model::{Analysis, Post, SentimentLabel};
use rapport_nlp::{
    fingerprint::fingerprint,
    intent::classify_intent,
    lang::{author_key, LanguageMemory},
    learn::Model,
    sentiment::Vader,
};

/// Analyses `post`, filling in its language when the network did not give one (so that
/// `lang:` filters see it), and returns what the store keeps beside it.
///
/// The language comes from `languages` ([`LanguageMemory::infer`]): a confident detection,
/// else the author's or the stream's language, so every post with letters gets one. A
/// language the network declared is kept and teaches the memory. Detection is the most
/// expensive step (about 70 µs of the ~80 µs a post costs), so it runs only for posts that
/// arrive without a language.
pub fn analyze(post: &mut Post, model: Option<&Model>, languages: &mut LanguageMemory) -> Analysis {
    let author = Some(author_key(post.network.as_str(), &post.author.handle));
    match &post.language {
        Some(tag) => languages.observe_tag(author, tag),
        None => {
            post.language = languages
                .infer(author, &post.text)
                .map(|inferred| inferred.lang.code().to_string());
        }
    }
    let text = post.text.as_str();
    let scores = Vader::shared().polarity_scores(text);
    let sentiment = model
        .and_then(|model| {
            let (label, _) = model.predict_with(text, Some(&scores));
            label.as_str().parse::<SentimentLabel>().ok()
        })
        .unwrap_or_else(|| scores.label());
    Analysis {
        sentiment,
        scores,
        intent: classify_intent(text, Some(scores)),
        fingerprint: fingerprint(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_model::{Author, Engagement, Intent, Network};

    fn post(text: &str, language: Option<&str>) -> Post {
        Post {
            network: Network::Mastodon,
            native_id: "1".into(),
            url: None,
            author: Author::new("a"),
            title: None,
            text: text.into(),
            language: language.map(str::to_string),
            created_at: Default::default(),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        }
    }

    #[test]
    fn a_complaint_is_negative_and_gets_its_language() {
        let mut p = post(
            "Le réservoir de ma machine fuit encore, c'est vraiment inacceptable et décevant",
            None,
        );
        let analysis = analyze(&mut p, None, &mut LanguageMemory::default());
        assert_eq!(p.language.as_deref(), Some("fr"));
        assert_ne!(analysis.fingerprint, 0);

        let mut p = post(
            "My tank is leaking AGAIN. Worst purchase ever!!",
            Some("en"),
        );
        let analysis = analyze(&mut p, None, &mut LanguageMemory::default());
        assert_eq!(analysis.sentiment, SentimentLabel::Negative);
        assert_eq!(analysis.intent, Intent::Complaint);
        assert!(analysis.scores.compound < -0.5);
        // A language given by the network is kept as is.
        assert_eq!(p.language.as_deref(), Some("en"));
    }

    #[test]
    fn a_short_post_gets_its_authors_language() {
        let mut languages = LanguageMemory::default();
        let mut p = post(
            "Merci beaucoup pour votre aide, le service était parfait",
            None,
        );
        analyze(&mut p, None, &mut languages);
        let mut short = post("Bon point", None);
        analyze(&mut short, None, &mut languages);
        assert_eq!(short.language.as_deref(), Some("fr"));
        // Nothing to tell from: no language.
        let mut bare = post("👍 https://example.com", None);
        analyze(&mut bare, None, &mut languages);
        assert_eq!(bare.language, None);
    }
}
