use super::*;

fn examples() -> Vec<(String, Label)> {
    let pos = [
        "love it, thanks!",
        "great crew, thank you",
        "awesome service",
        "best flight ever :)",
        "thanks for the quick help",
        "so happy with the upgrade",
        "amazing staff, well done",
    ];
    let neg = [
        "worst flight ever",
        "lost my bag again, terrible",
        "delayed 3 hours, awful",
        "rude agent, never again",
        "cancelled and no refund",
        "not happy at all",
        "this sucks",
    ];
    let neu = [
        "flight 123 to Boston",
        "what time is boarding",
        "is there wifi on board",
        "flying tomorrow",
        "changing my seat",
        "do you fly to Lima",
        "gate B12",
    ];
    let mut out = Vec::new();
    for (texts, label) in [(pos, "positive"), (neg, "negative"), (neu, "neutral")] {
        for t in texts {
            out.push((t.to_string(), Label::new(label)));
        }
    }
    out
}

fn small() -> TrainConfig {
    TrainConfig {
        features: FeatureConfig {
            hash_bits: 16,
            ..FeatureConfig::default()
        },
        ..TrainConfig::default()
    }
}

#[test]
fn learns_the_training_set() {
    let ex = examples();
    let model = Model::train(&ex, &small()).expect("trains");
    assert_eq!(model.labels().len(), 3);
    let right = ex.iter().filter(|(t, l)| model.predict(t).0 == l).count();
    assert!(right >= ex.len() - 1, "{right} of {}", ex.len());
    let (_, p) = model.predict("anything at all");
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert_eq!(model.info().examples_per_class, vec![7, 7, 7]);
}

#[test]
fn hinge_loss_trains_too() {
    let ex = examples();
    let config = TrainConfig {
        loss: Loss::Hinge,
        ..small()
    };
    let model = Model::train(&ex, &config).expect("trains");
    let right = ex.iter().filter(|(t, l)| model.predict(t).0 == l).count();
    assert!(right >= ex.len() - 2);
}

#[test]
fn training_errors() {
    assert!(matches!(
        Model::train(&[], &small()),
        Err(ModelError::NoExamples)
    ));
    let one = vec![
        ("a".to_string(), Label::new("x")),
        ("b".to_string(), Label::new("x")),
    ];
    assert!(matches!(
        Model::train(&one, &small()),
        Err(ModelError::OneClass(_))
    ));
}

#[test]
fn save_and_load_round_trip() {
    let model = Model::train(&examples(), &small()).expect("trains");
    let bytes = model.to_bytes();
    let back = Model::from_bytes(&bytes).expect("loads");
    assert_eq!(back, model);
    let dir = std::env::temp_dir().join(format!("rapport-nlp-model-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("m.bin");
    model.save(&path).expect("saves");
    assert_eq!(Model::load(&path).expect("loads"), model);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_files_are_clear_errors() {
    let bytes = Model::train(&examples(), &small())
        .expect("trains")
        .to_bytes();
    assert!(matches!(
        Model::from_bytes(b"hello"),
        Err(ModelError::NotAModel)
    ));
    assert!(matches!(
        Model::from_bytes(&bytes[..20]),
        Err(ModelError::Corrupt(_))
    ));
    assert!(matches!(
        Model::from_bytes(&bytes[..bytes.len() - 1]),
        Err(ModelError::Corrupt(_))
    ));
    let mut flipped = bytes.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x40;
    let err = Model::from_bytes(&flipped).expect_err("corrupt");
    assert!(err.to_string().contains("checksum"), "{err}");
    let mut version = bytes.clone();
    version[8] = 9;
    let err = Model::from_bytes(&version).expect_err("version");
    assert!(
        matches!(
            err,
            ModelError::Version {
                found: 9,
                supported: 1
            }
        ),
        "{err}"
    );
    let err = Model::load(std::path::Path::new("/nonexistent/model.bin")).expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/model.bin"));
    // Every prefix fails cleanly, without panicking.
    for cut in 0..bytes.len().min(200) {
        assert!(Model::from_bytes(&bytes[..cut]).is_err());
    }
}

#[test]
fn cross_validation_runs() {
    let cv = cross_validate(&examples(), None, &small(), 3).expect("runs");
    assert_eq!(cv.pooled.total(), 21);
    assert_eq!(cv.folds.len(), 3);
    assert!(cv.pooled.macro_f1() > 0.3);
    assert!(cv.pooled.table("t").contains("macro-F1"));
}
