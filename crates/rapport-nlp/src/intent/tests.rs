use super::*;
use crate::sentiment::SentimentScores;

fn scores(compound: f64) -> Option<SentimentScores> {
    Some(SentimentScores {
        compound,
        ..SentimentScores::default()
    })
}

#[test]
fn names_round_trip() {
    for intent in Intent::ALL {
        assert_eq!(intent.as_str().parse::<Intent>().ok(), Some(intent));
        let json = serde_json::to_string(&intent).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", intent.as_str()));
    }
    assert!("nope".parse::<Intent>().is_err());
}

#[test]
fn purchase_intent() {
    for text in [
        "Thinking of buying the Acme X2, anyone tried it?",
        "where can I buy #acme beans in Lyon",
        "Which is better, the X2 or the Z9?",
        "how much is a ticket to Boston in March",
        "@acme is it worth upgrading to the pro plan?",
    ] {
        assert_eq!(
            classify_intent(text, None),
            Intent::PurchaseIntent,
            "{text}"
        );
    }
}

#[test]
fn complaints() {
    for (text, compound) in [
        ("@united lost my bag and nobody answers the phone", None),
        ("Still waiting on hold, 2 hours now @AmericanAir", None),
        (
            "@USAirways flight delayed again, missed my connection",
            scores(-0.4),
        ),
        (
            "@SouthwestAir why was my flight Cancelled Flightled?? worst week",
            None,
        ),
        ("@JetBlue not happy with the service today", None),
        ("@united thanks for nothing", scores(-0.2)),
        ("@Delta the wifi is not working and the crew was rude", None),
    ] {
        assert_eq!(classify_intent(text, compound), Intent::Complaint, "{text}");
    }
}

#[test]
fn questions() {
    for text in [
        "@united do you allow pets in the cabin?",
        "@JetBlue what time does boarding start for flight 123",
        "How do I add my known traveler number",
        "@SouthwestAir is there wifi on the 737s",
        "Any update on the Denver flights",
        "I was wondering if the lounge is open",
    ] {
        assert_eq!(classify_intent(text, None), Intent::Question, "{text}");
    }
    // A `?` inside a link is no question.
    assert_eq!(
        classify_intent("Flying today http://example.com/page?id=4", None),
        Intent::Other
    );
}

#[test]
fn praise() {
    for (text, compound) in [
        ("@JetBlue thank you, the crew was amazing!", None),
        ("Love the new seats @VirginAmerica", None),
        ("@united great job getting us home", scores(0.6)),
        ("Kudos to the gate agent in Denver", None),
    ] {
        assert_eq!(classify_intent(text, compound), Intent::Praise, "{text}");
    }
}

#[test]
fn other_and_odd_input() {
    for text in [
        "Flying to Denver tomorrow",
        "",
        "@a @b",
        "http://x.y",
        "\u{0}&&?",
    ] {
        let intent = classify_intent(text, None);
        assert!(matches!(intent, Intent::Other | Intent::Question), "{text}");
    }
    assert_eq!(classify_intent("", None), Intent::Other);
}
