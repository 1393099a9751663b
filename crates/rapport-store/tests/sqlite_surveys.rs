//! `SurveyStore` on SQLite: codes are unique, one answer per visitor and survey, surveys
//! stay inside their workspace.

use chrono::Utc;
use rapport_store::surveys::{Answer, NewSurvey, Question, QuestionKind};
use rapport_store::{SqliteOptions, SqliteStore, Store, StoreError, SurveyStore};

fn new_survey(workspace: rapport_model::WorkspaceId, code: &str) -> NewSurvey {
    NewSurvey {
        workspace_id: workspace,
        code: code.into(),
        title: "Kettle".into(),
        questions: vec![
            Question {
                prompt: "Colour?".into(),
                kind: QuestionKind::SingleChoice,
                options: vec!["Sage".into(), "Rust".into()],
                required: true,
            },
            Question {
                prompt: "Why?".into(),
                kind: QuestionKind::FreeText,
                options: vec![],
                required: false,
            },
        ],
        created_by: None,
        signing_key: vec![9; 32],
    }
}

#[tokio::test]
async fn surveys_and_answers_round_trip_once_per_visitor() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let a = store.create_workspace("Acme").await.unwrap();
    let b = store.create_workspace("Globex").await.unwrap();
    let survey = store
        .create_survey(new_survey(a.id, "code1"))
        .await
        .unwrap();
    assert!(survey.open);
    assert_eq!(survey.signing_key, vec![9; 32]);
    assert!(matches!(
        store.create_survey(new_survey(b.id, "code1")).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.survey_by_code("code1").await.unwrap().unwrap().id,
        survey.id
    );
    assert!(store.survey(b.id, survey.id).await.unwrap().is_none());
    assert!(matches!(
        store.set_survey_open(b.id, survey.id, false).await,
        Err(StoreError::NotFound { .. })
    ));

    let answers = vec![
        Some(Answer::Choices { options: vec![1] }),
        Some(Answer::Text {
            text: "<b>great</b>".into(),
            compound: 0.62,
        }),
    ];
    assert!(!store.has_answered(survey.id, b"voter-1").await.unwrap());
    store
        .add_response(survey.id, b"voter-1", &answers, Utc::now())
        .await
        .unwrap();
    assert!(store.has_answered(survey.id, b"voter-1").await.unwrap());
    assert!(matches!(
        store
            .add_response(survey.id, b"voter-1", &[None, None], Utc::now())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .add_response(survey.id, b"voter-2", &[None, None], Utc::now())
        .await
        .unwrap();
    let stored = store.responses(survey.id).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].answers, answers);
    store.set_survey_open(a.id, survey.id, false).await.unwrap();
    assert!(!store.survey(a.id, survey.id).await.unwrap().unwrap().open);
    assert_eq!(store.surveys(a.id).await.unwrap().len(), 1);
    assert!(store.surveys(b.id).await.unwrap().is_empty());
}
