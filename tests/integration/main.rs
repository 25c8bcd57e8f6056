//! One integration-test binary: helpers start the real thing (a fresh SQLite file or a
//! fresh PostgreSQL database per test, real mail servers, a fake Telegram Bot API).

// The house rules of ARCHITECTURE.md (floors, no circles, file length).
mod architecture;

mod calendar_file;
mod cases;
mod cases_deadlines;
mod cases_email;
mod cases_forms;
mod cases_instances;
mod cases_telegram;
mod demo_cli;
mod due_dates;
mod helpers;
mod import;
mod import_batches;
mod import_bulk_load;
mod import_rejects;
mod import_serving;
mod interest;
mod ksef_demo;
mod ksef_import;
mod ksef_verify;
mod ksef_views;
mod outbox_lease;
mod pay;
mod rates_confirmed;
mod sessions;
mod store;
mod version;
mod views;

// Figures that add up (import totals, amounts in the views).
mod figures;

// Account lifecycle and security (issue 3).
mod credentials_mail;
mod lifecycle;
mod login_security;
mod password_blanks;
mod passwords;
mod registration;
mod staff;

// Several accounts in one chat (issue 12).
mod chat_accounts;

// The email-command front end (issue 5).
mod email_accounts;
mod email_bounds;
mod email_crash_campaign;
mod email_exactly_once;
mod email_fixtures;
mod email_helpers;
mod email_instances;
mod email_login_first;
mod email_outages;
mod email_purge;
mod email_resend;
mod email_rules;
mod email_story;

// The Telegram front end (issue 4).
mod telegram;
mod telegram_claims;
mod telegram_crash;
mod telegram_limits;
mod telegram_polling;
mod telegram_redelivery;
mod telegram_registration;
mod telegram_story;
mod telegram_support;
mod telegram_webhook;

// Notifications: delivery (pacing, priorities, digests).
mod notify_crash;
mod notify_delivery;
mod notify_digest;
// Notifications: events, subscriptions, announcements, the scheduler.
mod notifications;
// Notifications end to end through `ebok serve` processes.
mod notify_serve;
mod notify_serve_kinds;
// `powiadomienia` by email and the one-click turn-off.
mod notify_mail_commands;
// `powiadomienia` in Telegram: the greeting and the buttons.
mod notify_telegram;
// Notification wording and settings as customers read them (issue 18).
mod notify_evening;
mod notify_outage;
mod notify_quiet;
mod notify_reminders;
mod notify_wording;
// Every notice the database writes is a typed notice (issue 19).
mod notify_typed;

// Operations: logs, memory, health and metrics, shutdown.
mod ops_config;
mod ops_console;
mod ops_instances;
mod ops_login_burst;
mod ops_logs;
mod ops_routine;
mod ops_serve;
// `ebok serve` as a child process: the one way the tests start it.
mod serve;
mod usage;
mod usage_support;
