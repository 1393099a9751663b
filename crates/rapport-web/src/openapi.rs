//! The OpenAPI document of `/api/v1`, generated from the handlers' `#[utoipa::path]`
//! annotations and the types' `ToSchema` derives, served at `/api/v1/openapi.json`.
//!
//! A test checks that every `/api/v1` route of [`crate::routes::table`] is described here
//! with the same method, and the reverse, so the document cannot drift from the router.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorDetail};
use crate::routes::{
    alerts, analytics, api, authors, campaigns, events, exports, inbox, media, publishing, query,
    replies, report_schedule, reports, slots, sources, surveys, themes, webhook,
};

/// The document; [`ApiDoc::openapi`] builds it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "rapport API",
        description = "Social listening and engagement: mentions, monitors, the team inbox, analytics, publishing. \
Authenticate with an API token (`Authorization: Bearer rpt_...`, made on the users page or with \
`rapport token create`) or a session cookie. Errors are `{\"error\": {\"code\", \"message\"}}`. \
Lists that can be long are paged with an opaque cursor returned as `next`.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        api::workspaces,
        api::stats,
        api::counts,
        api::mentions,
        api::create_monitor,
        api::update_monitor,
        api::workspace_audit,
        api::instance_audit,
        query::check,
        query::preview,
        inbox::list,
        inbox::detail,
        inbox::change,
        inbox::add_note,
        replies::reply,
        inbox::correct,
        inbox::response_times,
        inbox::templates,
        inbox::save_template,
        analytics::rollups,
        alerts::list_rules,
        alerts::create_rule,
        alerts::delete_rule,
        alerts::list_alerts,
        alerts::put_email,
        report_schedule::get_schedule,
        report_schedule::put_schedule,
        reports::export_csv,
        reports::export_json,
        authors::list,
        authors::one,
        exports::influencers,
        exports::share_of_voice,
        exports::top_posts,
        themes::api,
        events::events,
        webhook::receive,
        sources::api_list,
        sources::api_add,
        publishing::list_accounts,
        publishing::create_account,
        publishing::list,
        publishing::create,
        publishing::detail,
        publishing::approve_route,
        publishing::comment_route,
        publishing::schedule_route,
        publishing::cancel_route,
        slots::list_route,
        slots::create_route,
        slots::delete_route,
        slots::queue_route,
        publishing::poll_results,
        media::upload,
        media::list,
        media::raw,
        media::set_alt,
        media::remove,
        media::link_preview,
        surveys::list_api,
        surveys::create_api,
        surveys::results_api,
        surveys::export_api,
        campaigns::list_api,
        campaigns::create_api,
        campaigns::report_api,
        campaigns::get_link_settings,
        campaigns::put_link_settings,
        openapi_json,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Security),
    tags(
        (name = "workspaces"), (name = "mentions"), (name = "monitors"), (name = "inbox"),
        (name = "analytics"), (name = "alerts"), (name = "reports"), (name = "audit"), (name = "live"), (name = "webhooks"), (name = "sources"), (name = "publishing"), (name = "surveys"), (name = "campaigns"), (name = "meta")
    )
)]
pub struct ApiDoc;

/// Declares the three ways in: API token, session cookie, and a webhook source's secret.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rpt_...")
                    .description(Some("An API token, scoped to a workspace and a role"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "__Host-rapport_session",
                "The dashboard's session (`rapport_session` on plain-HTTP loopback); \
                 state-changing requests also need the CSRF token",
            ))),
        );
        components.add_security_scheme(
            "source_secret",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The webhook source's secret, or an X-Rapport-Signature HMAC of the body",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    summary = "This OpenAPI document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object))
)]
pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn documented() -> BTreeSet<(String, String)> {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("serialises");
        let mut found = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    found.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        found
    }

    #[test]
    fn every_api_route_is_documented_and_nothing_else() {
        let routed: BTreeSet<(String, String)> = crate::routes::table::route_specs()
            .into_iter()
            .filter(|spec| spec.path.starts_with("/api/v1/"))
            .map(|spec| (spec.method.to_string(), spec.path.to_string()))
            .collect();
        let documented = documented();
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let phantom: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from the document: {undocumented:?}"
        );
        assert!(phantom.is_empty(), "documented but not routed: {phantom:?}");
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("serialises");
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        let text = doc.to_string();
        let mut missing = Vec::new();
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap_or_default();
            if !schemas.contains_key(name) {
                missing.push(name.to_string());
            }
        }
        assert!(missing.is_empty(), "dangling $refs: {missing:?}");
    }
}
