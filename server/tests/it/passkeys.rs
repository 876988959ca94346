//! パスキー (WebAuthn) on the server side: the options the browser gets (relying party, user
//! verification, no `null` members), a ceremony answered once, refusals audited and counted,
//! and no passkeys where the public host is an IP address. The ceremonies with a real
//! authenticator (Chromium's virtual one) are in end2end/tests/passkeys.spec.ts.

use crate::support::{Reply, TestApp};
use app::ssr::operator::corporations::{self, demo};
use app::ssr::Settings;
use http::StatusCode;

/// The demo server with a host name as its public URL (a relying party must have one).
async fn named_host() -> TestApp {
    TestApp::with_settings(Settings {
        public_url: "https://localhost:3000".into(),
        cert_url: "https://localhost:3001".into(),
        ..Settings::default()
    })
    .await
}

async fn admin_with_policy(app: &TestApp, policy: &str) -> String {
    corporations::set_second_factor(&app.state, demo::CONTRACT_ID, policy, app::ssr::now())
        .await
        .expect("policy");
    app.demo_admin_cookie().await
}

fn json(reply: &Reply) -> serde_json::Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let text: String = serde_json::from_str(&reply.body).expect("a JSON string");
    serde_json::from_str(&text).expect("options JSON")
}

fn has_null(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Object(map) => map.values().any(has_null),
        serde_json::Value::Array(items) => items.iter().any(has_null),
        _ => false,
    }
}

#[tokio::test]
async fn registration_options_name_the_host_require_user_verification_and_carry_no_nulls() {
    let app = named_host().await;
    let admin = admin_with_policy(&app, "optional").await;
    let list = app.call("passkeys", &[], Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.body.contains("\"available\":true") && list.body.contains("\"passkeys\":[]"),
        "{}",
        list.body
    );

    let options = json(&app.call("passkey_options", &[], Some(&admin)).await);
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], demo::CONTRACT_ID);
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(options["attestation"], "none");
    assert!(options["challenge"].as_str().is_some_and(|c| c.len() >= 43), "{options}");
    assert!(!has_null(&options), "the browser's parser refuses null members: {options}");
    // Another start gives another challenge.
    let again = json(&app.call("passkey_options", &[], Some(&admin)).await);
    assert_ne!(again["challenge"], options["challenge"]);
}

#[tokio::test]
async fn a_wrong_answer_is_refused_audited_and_uses_the_challenge_up() {
    let app = named_host().await;
    let admin = admin_with_policy(&app, "optional").await;
    let _ = json(&app.call("passkey_options", &[], Some(&admin)).await);
    let forged = r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}"#;
    let name = [("passkey_name", "会社のパソコン"), ("passkey", forged)];
    let refused = app.call("register_passkey", &name, Some(&admin)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("\"passkey\"") && refused.body.contains("wrong"), "{}", refused.body);
    let audit = app.audit_actions().await;
    let last = audit.last().expect("audited");
    assert_eq!((last.0.as_str(), last.1.as_str()), ("second_factor_register", "failure"), "{last:?}");
    assert!(last.2.starts_with("method=passkey"), "{last:?}");
    // The challenge was taken by that answer: the same (or any) answer now finds none.
    let again = app.call("register_passkey", &name, Some(&admin)).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.audit_actions().await.last().expect("audited").2.contains("no registration started"));
    // A name is checked before anything else.
    let unnamed =
        app.call("register_passkey", &[("passkey_name", " "), ("passkey", forged)], Some(&admin)).await;
    assert!(
        unnamed.body.contains("\"passkey_name\"") && unnamed.body.contains("required"),
        "{}",
        unnamed.body
    );
    // Nothing was stored, and without a passkey there is nothing to assert.
    assert!(app.call("passkeys", &[], Some(&admin)).await.body.contains("\"passkeys\":[]"));
    assert_eq!(app.call("passkey_challenge", &[], Some(&admin)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_ip_address_host_has_no_passkeys_and_off_has_no_registration() {
    let app = TestApp::new().await; // https://127.0.0.1:…
    let admin = admin_with_policy(&app, "optional").await;
    let list = app.call("passkeys", &[], Some(&admin)).await;
    assert!(list.body.contains("\"available\":false"), "{}", list.body);
    assert_eq!(app.call("passkey_options", &[], Some(&admin)).await.status, StatusCode::FORBIDDEN);

    let named = named_host().await;
    let admin = admin_with_policy(&named, "off").await;
    assert_eq!(named.call("passkeys", &[], Some(&admin)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(named.call("passkey_options", &[], Some(&admin)).await.status, StatusCode::FORBIDDEN);
    // The logon's second step answers only a logon waiting at it.
    assert_eq!(
        named.call("logon_passkey", &[("passkey", "{}")], Some(&admin)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(named.call("second_factors", &[], Some(&admin)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_assertion_on_a_change_counts_toward_the_lock_and_changes_nothing() {
    let app = named_host().await;
    let admin = admin_with_policy(&app, "optional").await;
    // A stored passkey (its key is never used here: every assertion below is wrong).
    let corp = app::ssr::db::corporations::find_by_contract_id(&app.state.db, demo::CONTRACT_ID)
        .await
        .expect("db")
        .expect("demo");
    let mut tx = app::ssr::db::begin_write(&app.state.db).await.expect("tx");
    // As stored after a registration by Chromium's virtual authenticator: a P-256 public key.
    let stored = include_str!("passkey.json").trim();
    assert!(app::ssr::db::passkeys::insert(&mut tx, (corp.id, None), "鍵", (b"cred-1", stored), 1)
        .await
        .expect("insert"));
    tx.commit().await.expect("commit");
    let factors = app.call("admin_factors", &[], Some(&admin)).await;
    assert_eq!(factors.body, r#"{"totp":false,"passkey":true}"#);

    let file = [("file_register", "on"), ("admin_confirm_pin", demo::ADMIN_CONFIRM_PIN)];
    let missing = app.call("change_file_settings", &file, Some(&admin)).await;
    assert!(missing.body.contains("\"passkey\"") && missing.body.contains("required"), "{}", missing.body);
    let options = json(&app.call("passkey_challenge", &[], Some(&admin)).await);
    assert_eq!(options["userVerification"], "required");
    assert_eq!(options["allowCredentials"].as_array().map(Vec::len), Some(1));
    let forged = r#"{"id":"Y3JlZC0x","rawId":"Y3JlZC0x","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}"#;
    let with_forged = [file[0], file[1], ("passkey", forged)];
    let refused = app.call("change_file_settings", &with_forged, Some(&admin)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("\"passkey\"") && refused.body.contains("wrong"), "{}", refused.body);
    let (failed, send): (i64, app::ssr::db::Flag) =
        sqlx::query_as("SELECT admin_failed_codes, file_send_enabled FROM corporations WHERE id = $1")
            .bind(corp.id)
            .fetch_one(&app.state.db)
            .await
            .expect("row");
    assert_eq!(failed, 1, "a wrong assertion counts like a wrong code");
    assert_eq!(send, app::ssr::db::Flag(true), "the settings are unchanged");
    let audit = app.audit_actions().await;
    let last = audit.last().expect("audited");
    assert_eq!(last.0, "file_settings_change");
    assert!(last.2.starts_with("passkey: "), "{last:?}");
}
