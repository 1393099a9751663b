//! Survey pages' store: codes are unique, one answer per visitor and survey (also when
//! several processes take the same visitor's answer at once), surveys stay inside their
//! workspace.

use crate::backend::Backend;
use chrono::Utc;
use rapport_store::surveys::{Answer, NewSurvey, Question, QuestionKind};
use rapport_store::StoreError;

conformance!(
    surveys_and_answers_round_trip_once_per_visitor,
    a_visitor_answers_once_across_processes,
);

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

async fn surveys_and_answers_round_trip_once_per_visitor(b: Backend) {
    let store = &*b.store;
    let a = store.create_workspace("Acme").await.unwrap();
    let other = store.create_workspace("Globex").await.unwrap();
    let survey = store
        .create_survey(new_survey(a.id, "code1"))
        .await
        .unwrap();
    assert!(survey.open);
    assert_eq!(survey.signing_key, vec![9; 32]);
    assert_eq!(survey.questions, new_survey(a.id, "x").questions);
    assert!(matches!(
        store.create_survey(new_survey(other.id, "code1")).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store
            .create_survey(new_survey(rapport_model::WorkspaceId(9_999), "code2"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let by_code = store.survey_by_code("code1").await.unwrap().unwrap();
    assert_eq!(by_code, survey);
    assert_eq!(by_code.signing_key, vec![9; 32]);
    assert!(store.survey_by_code("nope").await.unwrap().is_none());
    assert!(store.survey(other.id, survey.id).await.unwrap().is_none());
    assert!(matches!(
        store.set_survey_open(other.id, survey.id, false).await,
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
    assert!(matches!(
        store
            .add_response(
                rapport_store::surveys::SurveyId(9_999),
                b"voter-1",
                &[None],
                Utc::now()
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .add_response(survey.id, b"voter-2", &[None, None], Utc::now())
        .await
        .unwrap();
    let stored = store.responses(survey.id).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].answers, answers);
    assert_eq!(stored[1].answers, vec![None, None]);
    assert!(stored[0].id < stored[1].id);
    store.set_survey_open(a.id, survey.id, false).await.unwrap();
    assert!(!store.survey(a.id, survey.id).await.unwrap().unwrap().open);
    let second = store
        .create_survey(new_survey(a.id, "code3"))
        .await
        .unwrap();
    let listed: Vec<_> = store
        .surveys(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, vec![second.id, survey.id], "newest first");
    assert!(store.surveys(other.id).await.unwrap().is_empty());
}

async fn a_visitor_answers_once_across_processes(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let survey = store
        .create_survey(new_survey(ws.id, "race"))
        .await
        .unwrap();
    let mut handles = Vec::new();
    for _ in 0..4 {
        handles.push(b.open_again().await);
    }
    let tasks: Vec<_> = handles
        .iter()
        .map(|h| {
            let h = h.clone();
            tokio::spawn(async move {
                h.add_response(survey.id, b"same-visitor", &[None, None], Utc::now())
                    .await
            })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => stored += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(stored, 1, "one answer per visitor");
    assert_eq!(store.responses(survey.id).await.unwrap().len(), 1);
}
