//! The configuration's reading and its error messages.

use super::load::describe_figment_error;
use super::*;
use figment::Figment;
use figment::providers::{Format, Toml};
use secrecy::SecretString;

#[test]
fn config_errors_never_quote_a_secret() {
    let toml = format!(
        "{DEFAULT_TOML}\n[smtp]\nhost = \"127.0.0.1\"\nport = 25\ntls = \"plain\"\n\
         password = 918273645\nfrom_address = \"a@b.test\"\nfrom_name = \"x\"\n\
         timeout_seconds = 5\n"
    );
    let err = Figment::from(Toml::string(&toml))
        .extract::<Settings>()
        .map_err(describe_figment_error)
        .err()
        .unwrap();
    assert!(err.contains("smtp.password"), "{err}");
    assert!(!err.contains("918273645"), "{err}");
}

#[test]
fn a_password_without_its_section_says_what_to_add() {
    let err = Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Toml::string("[smtp]\npassword = \"sekret\""))
        .extract::<Settings>()
        .map_err(describe_figment_error)
        .unwrap_err();
    assert!(
        err.contains("add a [smtp] section with host, port"),
        "{err}"
    );
    assert!(err.contains("EBOK_SMTP__PASSWORD"), "{err}");
    assert!(!err.contains("sekret"), "{err}");
}

#[test]
fn built_in_defaults_load() {
    let s = Settings::defaults().unwrap();
    assert_eq!(s.app.default_language, "pl");
    assert!(!s.interest.statutory.is_empty());
    assert!(s.utility.name.contains("Energetyki"));
}

#[test]
fn a_bad_value_names_the_key() {
    let err = Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Toml::string("[app]\npage_size = \"many\""))
        .extract::<Settings>()
        .map_err(describe_figment_error)
        .unwrap_err();
    assert!(err.contains("app.page_size"), "{err}");
}

#[test]
fn vat_rates_default_to_the_polish_set_and_a_bad_one_names_the_key() {
    let s = Settings::defaults().unwrap();
    assert_eq!(s.import.vat_rates, ["23", "8", "5", "0", "zw", "np", "oo"]);
    let err = Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Toml::string("[import]\nvat_rates = [\"23\", \"7,5\"]"))
        .extract::<Settings>()
        .map_err(describe_figment_error)
        .unwrap_err();
    assert!(err.contains("import.vat_rates"), "{err}");
    assert!(err.contains("'7,5' is not a VAT rate"), "{err}");
}

#[test]
fn the_example_bank_account_is_refused_and_another_one_is_not() {
    let s = Settings::defaults().unwrap();
    let err = s
        .utility
        .require_own_bank_account()
        .unwrap_err()
        .to_string();
    assert!(err.contains("utility.bank_account"), "{err}");
    assert!(err.contains("61 1090 1014 0000 0712 1981 2874"), "{err}");
    assert!(err.contains("EBOK_UTILITY__BANK_ACCOUNT"), "{err}");
    let own = Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Toml::string(
            "[utility]\nbank_account = \"60 1020 1026 0000 1234 5678 9012\"",
        ))
        .extract::<Settings>()
        .unwrap();
    own.utility.require_own_bank_account().unwrap();
}

#[test]
fn a_bad_utility_account_or_nip_names_the_key_and_the_rule() {
    let s = Settings::defaults().unwrap();
    assert_eq!(s.utility.bank_account.len(), 26);
    let err = Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Toml::string(
            "[utility]\nbank_account = \"61 1090 1014 0000 0712 1981 2875\"",
        ))
        .extract::<Settings>()
        .map_err(describe_figment_error)
        .unwrap_err();
    assert!(err.contains("utility.bank_account"), "{err}");
    assert!(err.contains("mod-97"), "{err}");
    let err = Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Toml::string("[utility]\nnip = \"888-020-54-54\""))
        .extract::<Settings>()
        .map_err(describe_figment_error)
        .unwrap_err();
    assert!(err.contains("utility.nip"), "{err}");
    assert!(err.contains("check digit"), "{err}");
}

#[test]
fn secrets_are_redacted_in_debug() {
    let t = Telegram {
        token: SecretString::from("123:ABC"),
        api_url: None,
        staff_chats: vec![],
        webhook_url: None,
        webhook_listen: None,
        webhook_secret: Some(SecretString::from("s3cret-hook")),
        messages_per_second: 30,
        poll_timeout_seconds: 25,
        webhook_claim_seconds: 15,
        chat_messages_per_second: 1,
        chat_burst: 2,
        allow_paid_broadcast: false,
        paid_messages_per_second: 1000,
        outbox_lease_seconds: 30,
    };
    assert!(!format!("{t:?}").contains("123:ABC"));
    assert!(!format!("{t:?}").contains("s3cret-hook"));
}

#[test]
fn reminder_days_out_of_range_name_the_key_and_the_range() {
    let load = |toml: &str| {
        Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string(toml))
            .extract::<Settings>()
            .map_err(describe_figment_error)
    };
    let err = load("[notifications]\ndue_soon_days = 30").unwrap_err();
    assert!(err.contains("notifications.due_soon_days"), "{err}");
    assert!(err.contains("from 1 to 14"), "{err}");
    let err = load("[notifications]\noverdue_every_days = 0").unwrap_err();
    assert!(
        err.contains("overdue_every_days") && err.contains("from 1 to 60"),
        "{err}"
    );
    let s = load("[notifications]\noverdue_times = 0\nstale_import_days = 10").unwrap();
    assert_eq!(
        (
            s.notifications.overdue_times,
            s.notifications.stale_import_days
        ),
        (0, 10)
    );
}
