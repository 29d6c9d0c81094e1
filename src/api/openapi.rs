//! Assembles the router and its OpenAPI document in one pass (utoipa-axum:
//! a handler is routed only together with its documentation), then adds
//! what applies to every operation: bearer security, 401/500 answers, and
//! 413/415 for operations with a body.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{method_not_allowed, not_found_fallback};
use super::routes::{config, downloads, jobs, meta, notify, sessions, streamers};
use super::state::ApiState;
use super::{auth, health, server};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "srec",
        description = "REST API of the srec live-stream recorder daemon (loopback only by default). \
            Every endpoint but /api/health/live requires `Authorization: Bearer <token>` when a \
            token is configured. Errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`."
    ),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "streamers", description = "Monitored streamers"),
        (name = "sessions", description = "Live sessions and recorded segments"),
        (name = "config", description = "Global and effective configuration"),
        (name = "downloads", description = "Running recordings"),
        (name = "jobs", description = "Post-processing pipeline runs"),
        (name = "notify", description = "Notification channels and dead letters"),
        (name = "meta", description = "This document and Prometheus metrics"),
    )
)]
struct ApiDoc;

fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::live))
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .routes(routes!(streamers::list, streamers::create))
        .routes(routes!(
            streamers::get,
            streamers::update,
            streamers::delete
        ))
        .routes(routes!(streamers::check))
        .routes(routes!(streamers::stop))
        .routes(routes!(streamers::start))
        .routes(routes!(config::effective))
        .routes(routes!(config::get, config::patch))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::get))
        .routes(routes!(sessions::segments))
        .routes(routes!(downloads::list))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::logs))
        .routes(routes!(jobs::retry))
        .routes(routes!(jobs::cancel))
        .routes(routes!(notify::test))
        .routes(routes!(notify::dead_letters))
        .routes(routes!(notify::retry))
        .routes(routes!(notify::retry_all))
        .routes(routes!(meta::openapi))
        .routes(routes!(meta::metrics))
}

/// The OpenAPI document of [`router`].
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = routes().split_for_parts();
    finish(doc)
}

/// The complete API router with auth, request logging and the body limit.
pub fn router(state: ApiState) -> Router {
    let (router, doc) = routes().split_for_parts();
    let doc = finish(doc);
    let json = doc.to_json().unwrap_or_else(|_| "{}".into());
    let _ = state.openapi.set(json);
    router
        .fallback(not_found_fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .layer(middleware::from_fn(server::log_request))
        .layer(DefaultBodyLimit::max(super::BODY_LIMIT))
        .with_state(state)
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

fn add_common(op: &mut Operation, open: bool) {
    let r = &mut op.responses.responses;
    if !open {
        r.entry("401".into())
            .or_insert_with(|| error_response("Missing or wrong bearer token"));
    }
    if op.request_body.is_some() {
        r.entry("413".into())
            .or_insert_with(|| error_response("Body larger than 1 MiB"));
        r.entry("415".into())
            .or_insert_with(|| error_response("Body is not JSON"));
        r.entry("400".into())
            .or_insert_with(|| error_response("Malformed JSON or invalid value"));
    }
    r.entry("500".into())
        .or_insert_with(|| error_response("The daemon failed (see its log)"));
}

fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    doc.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    for (path, item) in doc.paths.paths.iter_mut() {
        let open = path == auth::OPEN_PATH;
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_common(op, open);
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_lists_every_route_with_common_answers() {
        let doc = document();
        let json: serde_json::Value = serde_json::from_str(&doc.to_json().unwrap()).unwrap();
        if std::env::var("DUMP_OPENAPI").is_ok() {
            println!("{}", serde_json::to_string_pretty(&json).unwrap());
        }
        let paths = json["paths"].as_object().unwrap();
        for p in [
            "/api/health/live",
            "/api/health",
            "/api/health/ready",
            "/api/streamers",
            "/api/streamers/{id}",
            "/api/streamers/{id}/check",
            "/api/streamers/{id}/stop",
            "/api/streamers/{id}/config",
            "/api/config",
            "/api/sessions",
            "/api/sessions/{id}",
            "/api/sessions/{id}/segments",
            "/api/downloads",
            "/api/openapi.json",
        ] {
            assert!(paths.contains_key(p), "{p} undocumented");
        }
        assert!(
            paths["/api/health/live"]["get"]["responses"]
                .get("401")
                .is_none()
        );
        let mut ids: Vec<&str> = paths
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "operation ids are unique");
        assert!(
            paths["/api/streamers"]["post"]["responses"]
                .get("413")
                .is_some()
        );
        for name in [
            "ErrorBody",
            "StreamerDto",
            "RecordingOptions",
            "ConfigFile",
            "Health",
        ] {
            assert!(
                json["components"]["schemas"].get(name).is_some(),
                "schema {name} missing"
            );
        }
    }
}
