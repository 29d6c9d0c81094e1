//! Email over TLS end to end through the real binary: STARTTLS and
//! implicit-TLS relays with a private CA (`ca_file`) get the mail and the
//! AUTH credentials only once encrypted; a relay whose certificate is not
//! trusted fails with a clear TLS error and a dead letter, and the SMTP
//! password shows up nowhere.

use std::time::Duration;

use crate::harness::{Srec, wait_until};
use crate::notify_support::{insert_event, start, wait_channels};
use crate::smtp_sink::{SinkTls, SmtpSink, TestCa};

const EXIT: Duration = Duration::from_secs(35);
const USER: &str = "rec-bot";
const PASSWORD: &str = "smtp-Pa55-never-shown";
const DISK_LOW: &str = r#"{"path":"/rec","free_bytes":1000,"min_free_bytes":5000}"#;

/// An email channel `id` to `sink` with `security`, trusting `ca_file`.
fn channel(id: &str, security: &str, sink: &SmtpSink, ca_file: &std::path::Path) -> String {
    format!(
        "[notify.channels.{id}]\ntype = \"email\"\nhost = \"127.0.0.1\"\nport = {}\n\
         security = \"{security}\"\nuser = \"{USER}\"\npassword = \"{PASSWORD}\"\n\
         ca_file = \"{}\"\nfrom = \"srec <srec@localhost>\"\nto = [\"me@localhost\"]\n\
         events = [\"disk_low\"]\nmax_attempts = 2\nbackoff = \"100ms\"\nmax_backoff = \"200ms\"\n",
        sink.port,
        ca_file.display()
    )
}

fn write_ca(s: &Srec, name: &str, ca: &TestCa) -> std::path::PathBuf {
    let path = s.dir.path().join(name);
    std::fs::write(&path, &ca.ca_pem).unwrap();
    path
}

/// Nothing that tells who sends what to whom crossed the wire in clear.
fn assert_encrypted(sink: &SmtpSink, what: &str) {
    let plain = sink.plaintext_commands();
    assert!(
        !plain.iter().any(|c| {
            let c = c.to_ascii_uppercase();
            c.starts_with("MAIL") || c.starts_with("AUTH") || c.starts_with("RCPT")
        }),
        "{what}: plaintext part of the session: {plain:?}"
    );
    let mails = sink.mails();
    assert!(mails.iter().all(|m| m.tls), "{what}: {mails:?}");
    let logins = sink.logins();
    assert_eq!(logins.len(), mails.len(), "{what}: one AUTH per mail");
    for l in &logins {
        assert_eq!((l.user.as_str(), l.password.as_str()), (USER, PASSWORD));
        assert!(l.tls, "{what}: AUTH sent in clear");
    }
}

#[test]
fn starttls_and_implicit_tls_relays_with_a_private_ca_get_mail_only_encrypted() {
    let ca = TestCa::new("srec private test CA");
    let starttls = SmtpSink::start_with(SinkTls::Starttls, &ca);
    let implicit = SmtpSink::start_with(SinkTls::Implicit, &ca);
    let s = Srec::new();
    let ca_file = write_ca(&s, "ca.pem", &ca);
    s.write_config(&format!(
        "{}{}",
        channel("st", "starttls", &starttls, &ca_file),
        channel("imp", "tls", &implicit, &ca_file)
    ));

    // `srec notify test` through each relay.
    for (id, sink) in [("st", &starttls), ("imp", &implicit)] {
        let out = s.ok(&["notify", "test", id]);
        assert!(out.contains(&format!("sent to {id}: 250")), "{out}");
        assert_eq!(sink.mails().len(), 1, "{id}");
        assert!(sink.mails()[0].subject().contains("test"), "{id}");
    }
    // The STARTTLS relay was asked to upgrade in clear; the implicit one
    // saw no clear text at all.
    let plain = starttls.plaintext_commands();
    assert!(plain.iter().any(|c| c == "STARTTLS"), "{plain:?}");
    assert!(implicit.plaintext_commands().is_empty());

    // A real event from the outbox through the daemon.
    let mut d = start(&s);
    wait_channels(&mut d, &["st", "imp"]);
    insert_event(&s, "disk_low", DISK_LOW);
    assert!(
        wait_until(Duration::from_secs(20), || {
            starttls.mails().len() >= 2 && implicit.mails().len() >= 2
        }),
        "log:\n{}",
        d.seen.join("\n")
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    for (what, sink) in [("starttls", &starttls), ("tls", &implicit)] {
        let mails = sink.mails();
        assert_eq!(mails.len(), 2, "{what}: {mails:?}");
        assert!(mails[1].data.contains("disk_low"), "{what}: {mails:?}");
        assert_eq!(mails[1].to, ["<me@localhost>"]);
        assert_encrypted(sink, what);
        assert!(sink.handshake_errors().is_empty(), "{what}");
    }
    assert!(!d.seen.join("\n").contains(PASSWORD));
}

#[test]
fn an_untrusted_relay_certificate_is_a_clear_tls_error_and_a_dead_letter() {
    let relay_ca = TestCa::new("the relay's CA");
    let other_ca = TestCa::new("some other CA");
    let starttls = SmtpSink::start_with(SinkTls::Starttls, &relay_ca);
    let implicit = SmtpSink::start_with(SinkTls::Implicit, &relay_ca);
    let s = Srec::new();
    let wrong = write_ca(&s, "wrong-ca.pem", &other_ca);
    s.write_config(&format!(
        "{}{}",
        channel("st", "starttls", &starttls, &wrong),
        channel("imp", "tls", &implicit, &wrong)
    ));
    let mut printed = String::new();
    for id in ["st", "imp"] {
        let out = s.run(&["notify", "test", id]);
        assert_eq!(out.code(), 1, "{id}: {}", out.stdout());
        let err = out.stderr();
        assert!(
            err.contains("certificate") && err.contains("TLS"),
            "{id}: not a clear TLS error: {err}"
        );
        printed.push_str(&err);
        printed.push_str(&out.stdout());
    }

    let mut d = start(&s);
    wait_channels(&mut d, &["st", "imp"]);
    let id = insert_event(&s, "disk_low", DISK_LOW);
    assert!(
        wait_until(Duration::from_secs(20), || {
            s.json(&["notify", "dead-letters"])
                .as_array()
                .is_some_and(|a| a.len() == 2)
        }),
        "log:\n{}",
        d.seen.join("\n")
    );
    let dead = s.json(&["notify", "dead-letters"]);
    for row in dead.as_array().unwrap() {
        assert_eq!(row["event_id"], id);
        let error = row["last_error"].as_str().unwrap();
        assert!(
            error.contains("certificate") && error.contains("TLS"),
            "{row}"
        );
    }
    printed.push_str(&s.ok(&["notify", "dead-letters"]));
    printed.push_str(&dead.to_string());
    printed.push_str(&s.ok(&["config", "show"]));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    printed.push_str(&d.seen.join("\n"));
    assert!(
        !printed.contains(PASSWORD),
        "the password leaked:\n{printed}"
    );
    // The relays never got as far as a login or a mail.
    for sink in [&starttls, &implicit] {
        assert!(sink.logins().is_empty() && sink.mails().is_empty());
        assert!(!sink.handshake_errors().is_empty());
    }
}

#[test]
fn a_bad_ca_file_is_a_config_error_naming_its_key() {
    let s = Srec::new();
    let sink = SmtpSink::start();
    let not_pem = s.dir.path().join("not.pem");
    std::fs::write(&not_pem, "just text\n").unwrap();
    for (path, why) in [
        (s.dir.path().join("missing.pem"), "cannot read"),
        (not_pem, "no PEM certificate"),
    ] {
        s.write_config(&channel("m", "starttls", &sink, &path));
        let out = s.run(&["config", "check"]);
        assert_ne!(out.code(), 0);
        let err = format!("{}{}", out.stdout(), out.stderr());
        assert!(err.contains("notify.channels.m.ca_file"), "{err}");
        assert!(err.contains(why), "{err}");
    }
}
