//! Accounts: users, memberships, sessions, API tokens and the audit log.

use crate::backend::Backend;
use chrono::{Duration, TimeZone, Utc};
use rapport_model::{AuditEvent, Membership, Role};
use rapport_store::{NewApiToken, NewSession, NewUser, SecretHash, StoreError};

conformance!(users_sessions_tokens_and_audit_follow_the_rules);

fn user(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Ada".into(),
        password_hash: "$argon2id$v=19$stub".into(),
        is_admin: false,
    }
}

async fn users_sessions_tokens_and_audit_follow_the_rules(b: Backend) {
    let store = &b.store;
    let ws = store.create_workspace("W").await.unwrap();
    let ada = store.create_user(user("  Ada@Example.org ")).await.unwrap();
    assert_eq!(ada.email, "ada@example.org");
    // E-mails are unique regardless of case.
    let taken = store
        .create_user(user("ADA@example.org"))
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict { what: "user", .. }),
        "{taken}"
    );
    assert_eq!(store.user_count().await.unwrap(), 1);
    let creds = store
        .user_credentials("ADA@EXAMPLE.ORG")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.user, ada);
    assert_eq!(creds.password_hash, "$argon2id$v=19$stub");
    assert_eq!(store.user(ada.id).await.unwrap(), Some(ada.clone()));

    let member = |role| Membership {
        user: ada.id,
        workspace: ws.id,
        role,
    };
    store.set_membership(member(Role::Agent)).await.unwrap();
    store.set_membership(member(Role::Manager)).await.unwrap();
    assert_eq!(
        store.memberships(ada.id).await.unwrap(),
        vec![member(Role::Manager)]
    );
    let members = store.members(ws.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].role, Role::Manager);
    let orphan = Membership {
        user: ada.id,
        workspace: rapport_model::WorkspaceId(999),
        role: Role::Viewer,
    };
    assert!(matches!(
        store.set_membership(orphan).await,
        Err(StoreError::NotFound { .. })
    ));

    let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let session = SecretHash([7; 32]);
    store
        .create_session(NewSession {
            id_hash: session,
            user: ada.id,
            expires_at: now + Duration::days(1),
        })
        .await
        .unwrap();
    assert_eq!(
        store.session_user(session, now).await.unwrap(),
        Some(ada.clone())
    );
    // Expired, or unknown: nobody.
    let later = now + Duration::days(2);
    assert_eq!(store.session_user(session, later).await.unwrap(), None);
    assert_eq!(
        store.session_user(SecretHash([8; 32]), now).await.unwrap(),
        None
    );
    // A new password ends every session.
    store
        .set_password(ada.id, "$argon2id$new".into())
        .await
        .unwrap();
    assert_eq!(store.session_user(session, now).await.unwrap(), None);

    let token = store
        .create_api_token(NewApiToken {
            token_hash: SecretHash([9; 32]),
            prefix: "rpt_abcd".into(),
            workspace: ws.id,
            role: Role::Agent,
            name: "ci".into(),
            created_by: Some(ada.id),
        })
        .await
        .unwrap();
    let found = store
        .api_token(SecretHash([9; 32]), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.role), (token.id, Role::Agent));
    assert!(store.revoke_api_token(ws.id, token.id).await.unwrap());
    assert!(!store.revoke_api_token(ws.id, token.id).await.unwrap());
    assert!(store
        .api_token(SecretHash([9; 32]), now)
        .await
        .unwrap()
        .is_none());
    let listed = store.api_tokens(ws.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some());

    for action in ["login", "token.create"] {
        store
            .record_audit(AuditEvent {
                user: Some(ada.id),
                actor: ada.email.clone(),
                workspace: Some(ws.id),
                action: action.into(),
                target: None,
                at: now,
                detail: serde_json::json!({"n": 1}),
            })
            .await
            .unwrap();
    }
    let log = store.audit_log(Some(ws.id), 10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["token.create", "login"]);
    assert_eq!(log[0].detail, serde_json::json!({"n": 1}));
    assert_eq!(store.audit_log(None, 1).await.unwrap().len(), 1);
}
