//! One mail is one conversation with the core: its login line first, wherever it
//! stands, then the other inputs in order (the subject's, then the body's), in a chat
//! keyed by the sender's address, which starts and ends logged out, so a later (possibly
//! spoofed) mail from the same address cannot use a login of this one. Only an open
//! registration (the form or its anti-bot check) carries over to the next mail.
//!
//! A mail with several login lines is one section per account: each login line with the
//! lines below it up to the next login line (the first section also takes the inputs
//! above its login, the subject's among them). A section runs only as its own account:
//! when its login fails, its commands are not run at all (never as the account before).
//!
//! Email has no interactive prompts: a prompt of the core (a password to type, the
//! new password twice) is answered by the next lines of the same mail, and a line
//! that is itself a complete command ends the prompt first.

use super::echo::{full_echo, masked_echo, short_echo};
use super::extract::{Extracted, Input};
use super::secret::{MASK, is_login};
use crate::core::command::{self, lookup, split_command};
use crate::core::dialogue::Dialogue;
use crate::core::{Attachment, Channel, Core, Expect, Lang, Origin, Reply};
use serde::Serialize;
use std::collections::HashMap;

/// Inputs read from one mail at most; the rest is counted as ignored.
pub const MAX_COMMANDS: usize = 20;
/// After this many inputs the core did not understand, the rest is ignored.
pub const MAX_NOT_UNDERSTOOD: usize = 5;
/// Views that mean "this was not a command".
const NOT_UNDERSTOOD: &[&str] = &["unknown_command", "bad_arguments", "empty"];

/// Why the rest of a mail was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// [`MAX_COMMANDS`] inputs were read.
    Commands,
    /// [`MAX_NOT_UNDERSTOOD`] inputs were not commands.
    NotUnderstood,
}

/// Where an answer is listed in the reply (like Mailman's results).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Done,
    NotUnderstood,
}

/// One input and the core's answer to it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The input as shown back: passwords masked.
    pub echo: String,
    /// The input was (or contained) a password or a PESEL.
    pub secret: bool,
    pub section: Section,
    pub reply: Reply,
    /// The first answer of an account's section when the mail had several login lines:
    /// the identifier its login line named.
    pub account: Option<String>,
    /// Where this answer goes when it is not the sender: the address on file of the
    /// account it was given as (lower case).
    pub to: Option<String>,
}

/// What the mail asked for and still needs after its last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// A login/password prompt: it must be answered in the same mail.
    SameMail,
    /// A registration step: answer it by replying to the reply.
    Reply,
}

/// The whole conversation of one mail.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub answers: Vec<Answer>,
    /// How many inputs were not read (over the limits): only counted, never listed,
    /// so a mail of garbage gets a short reply.
    pub ignored: usize,
    /// Why reading stopped.
    pub stopped: Option<Stop>,
    /// The first input not read, as shown back, when reading stopped at
    /// [`MAX_COMMANDS`]: where to go on from in the next mail.
    pub first_ignored: Option<String>,
    /// The subject, when it was neither a command nor a reply's and nothing was done.
    pub ignored_subject: Option<String>,
    /// The language of the reply's frame.
    pub lang: Lang,
    /// Some input was a password (or a PESEL): the mail is deleted after answering.
    pub carried_secret: bool,
    /// The subject itself carried a password: the reply does not repeat it.
    pub subject_secret: bool,
    pub prompt: Option<Prompt>,
    /// The help, when no input was understood.
    pub help: Option<Reply>,
    /// Inputs of an account's section that did not run because its login failed, as
    /// shown back with the identifier: (identifier, echo).
    pub not_run: Vec<(String, String)>,
    /// In a reply to an account's address on file: the sender of the mail, who is not
    /// that address.
    pub foreign_sender: Option<String>,
    /// In the reply to the sender: the accounts whose answers went to their own address
    /// on file instead.
    pub elsewhere: Vec<String>,
}

impl Conversation {
    /// The files of the answers, each once: the same file asked for twice (the
    /// regulations, one bill's PDF or QR code) is attached once.
    pub fn attachments(&self) -> Vec<Attachment> {
        let mut files: Vec<Attachment> = Vec::new();
        for file in self.answers.iter().flat_map(|a| &a.reply.attachments) {
            let same = |f: &Attachment| f.file_name == file.file_name && f.body == file.body;
            if !files.iter().any(same) {
                files.push(file.clone());
            }
        }
        files
    }

    /// The replies of this mail, one per address: the sender's first (the answers given
    /// to no account or to an account whose address on file is the sender's, the
    /// failed logins, the limits and prompts), then one per other address on file, with
    /// only the answers given as accounts whose address on file it is.
    pub fn split(&self, sender: &str) -> Vec<(String, Conversation)> {
        let mut addresses: Vec<&str> = Vec::new();
        for to in self.answers.iter().filter_map(|a| a.to.as_deref()) {
            if !addresses.contains(&to) {
                addresses.push(to);
            }
        }
        let mut elsewhere: Vec<String> = Vec::new();
        for id in self
            .answers
            .iter()
            .filter(|a| a.to.is_some())
            .filter_map(|a| a.reply.logged_in_as.clone())
        {
            if !elsewhere.iter().any(|e| e.eq_ignore_ascii_case(&id)) {
                elsewhere.push(id);
            }
        }
        let mut own = self.only(None);
        own.elsewhere = elsewhere;
        let mut replies = vec![(sender.to_string(), own)];
        for to in addresses {
            let mut theirs = self.only(Some(to));
            theirs.not_run.clear();
            theirs.ignored = 0;
            theirs.stopped = None;
            theirs.first_ignored = None;
            theirs.ignored_subject = None;
            theirs.prompt = None;
            theirs.help = None;
            // The note on a deleted mail is for its sender.
            theirs.carried_secret = false;
            theirs.foreign_sender = Some(sender.to_string());
            replies.push((to.to_string(), theirs));
        }
        replies
    }

    /// The conversation with only the answers that go to `to`.
    fn only(&self, to: Option<&str>) -> Conversation {
        let answers: Vec<Answer> = self
            .answers
            .iter()
            .filter(|a| a.to.as_deref() == to)
            .cloned()
            .collect();
        let lang = answers.last().map_or(self.lang, |a| a.reply.lang);
        Conversation {
            answers,
            lang,
            ..self.clone()
        }
    }
}

/// The email chat of `sender` (lower-case address).
pub fn origin(sender: &str, lang_hint: Option<Lang>) -> Origin {
    Origin {
        channel: Channel::Email,
        source: sender.to_string(),
        lang_hint,
    }
}

/// Runs the inputs of one mail through the core.
#[tracing::instrument(skip_all, fields(inputs = extracted.inputs.len()))]
pub async fn converse(
    core: &Core,
    origin: &Origin,
    extracted: &Extracted,
) -> anyhow::Result<Conversation> {
    let kept = reset(core, origin).await?;
    let pending = if kept { Expect::Text } else { Expect::Command };
    let mut conv = Conversation {
        answers: Vec::new(),
        ignored: 0,
        stopped: None,
        first_ignored: None,
        ignored_subject: extracted.ignored_subject.clone(),
        lang: origin
            .lang_hint
            .or_else(|| Lang::parse(&core.settings().app.default_language))
            .unwrap_or(Lang::Pl),
        carried_secret: false,
        subject_secret: false,
        prompt: None,
        help: None,
        not_run: Vec::new(),
        foreign_sender: None,
        elsewhere: Vec::new(),
    };
    let inputs = &extracted.inputs;
    let logins: Vec<usize> = if kept {
        Vec::new()
    } else {
        (0..inputs.len())
            .filter(|i| is_login(&inputs[*i].text))
            .collect()
    };
    let mut run = Run {
        pending,
        count: 0,
        not_understood: 0,
        addresses: HashMap::new(),
    };
    if logins.len() > 1 {
        for (k, &at) in logins.iter().enumerate() {
            let end = logins.get(k + 1).copied().unwrap_or(inputs.len());
            // The first section also takes what stands above its login line.
            let from = if k == 0 { 0 } else { at };
            let section: Vec<Input> = inputs[from..end].to_vec();
            let identifier = login_identifier(&inputs[at].text);
            run_section(
                core,
                origin,
                &section,
                Some(at - from),
                Some(identifier),
                &mut conv,
                &mut run,
            )
            .await?;
        }
    } else {
        let login = logins.first().copied();
        run_section(core, origin, inputs, login, None, &mut conv, &mut run).await?;
    }
    let pending = run.pending;
    if pending != Expect::Command {
        conv.prompt = Some(if registration_open(core, origin).await? {
            Prompt::Reply
        } else {
            Prompt::SameMail
        });
    }
    if conv.answers.iter().any(|a| a.section == Section::Done) {
        // A subject like "e-BOK" or "Pytanie" is only worth mentioning when nothing
        // else was understood.
        conv.ignored_subject = None;
    } else {
        let help = core.handle(origin, "help").await;
        conv.lang = help.lang;
        conv.help = Some(help);
    }
    let chat = core
        .store()
        .chat(origin.channel.as_str(), &origin.source)
        .await?;
    if chat.is_some_and(|c| c.sessions > 0) {
        // The core's own logout, audited like any other.
        core.handle(origin, "logout all").await;
    }
    reset(core, origin).await?;
    Ok(conv)
}

/// Where the conversation of a mail stands across its sections.
struct Run {
    pending: Expect,
    /// Inputs read so far (run, not run or ignored), against [`MAX_COMMANDS`].
    count: usize,
    not_understood: usize,
    /// The address on file of each account logged in to (identifier in lower case),
    /// `None` for the sender's own.
    addresses: HashMap<String, Option<String>>,
}

/// Runs `inputs` (a whole mail, or one account's section of it) in order, the login line
/// (at `login`) first. With `account` (several login lines in the mail) the section's
/// commands run only once its login has made that account the current one.
async fn run_section(
    core: &Core,
    origin: &Origin,
    inputs: &[Input],
    login: Option<usize>,
    account: Option<String>,
    conv: &mut Conversation,
    run: &mut Run,
) -> anyhow::Result<()> {
    let mut done = vec![false; inputs.len()];
    let mut last = None;
    // `None` while the section's login is under way; then whether it succeeded.
    let mut logged_in: Option<bool> = account.is_none().then_some(true);
    // The identifier of the section's login while it is under way (with its prompts).
    let mut logging_in = login.map(|at| login_identifier(&inputs[at].text));
    let mut first = true;
    for _ in 0..inputs.len() {
        let Some(i) = next_input(inputs, &done, login, last, run.pending) else {
            break;
        };
        done[i] = true;
        last = Some(i);
        let input = &inputs[i];
        run.count += 1;
        if run.count > MAX_COMMANDS || run.not_understood >= MAX_NOT_UNDERSTOOD {
            // The rest of the section is not read, only counted: a mail of garbage may
            // have tens of thousands of lines.
            ignore_rest(input, done.iter().filter(|d| !**d).count() + 1, conv, run);
            break;
        }
        if logged_in == Some(false) {
            let id = account.clone().unwrap_or_default();
            conv.not_run.push((id, short_echo(&input.text)));
            continue;
        }
        let mut answer = run_one(core, origin, input, &mut run.pending).await;
        if let Some(id) = &account
            && logged_in.is_none()
            && run.pending == Expect::Command
        {
            let current = answer.reply.logged_in_as.as_deref();
            logged_in = Some(current.is_some_and(|c| c.eq_ignore_ascii_case(id)));
        }
        // An answer goes to the address on file of the account it was given as; while a
        // login is under way (or when it failed) only if that is the account it named.
        let shown_as = answer.reply.logged_in_as.clone().filter(|current| {
            logging_in
                .as_deref()
                .is_none_or(|id| current.eq_ignore_ascii_case(id))
        });
        answer.to = match shown_as {
            Some(id) => address_on_file(core, origin, &id, &mut run.addresses).await?,
            None => None,
        };
        if run.pending == Expect::Command {
            logging_in = None;
        }
        if first {
            answer.account = account.clone();
            first = false;
        }
        conv.lang = answer.reply.lang;
        conv.carried_secret |= answer.secret;
        conv.subject_secret |= answer.secret && input.from_subject;
        if answer.section == Section::NotUnderstood {
            run.not_understood += 1;
        }
        conv.answers.push(answer);
    }
    Ok(())
}

/// Counts `count` inputs from `first` on as not read, and notes why reading stopped.
fn ignore_rest(first: &Input, count: usize, conv: &mut Conversation, run: &mut Run) {
    run.count += count - 1;
    conv.ignored += count;
    if conv.stopped.is_some() {
        return;
    }
    if run.not_understood >= MAX_NOT_UNDERSTOOD {
        conv.stopped = Some(Stop::NotUnderstood);
    } else {
        conv.stopped = Some(Stop::Commands);
        // A line typed at a password prompt is never shown.
        conv.first_ignored = Some(if run.pending == Expect::Secret {
            MASK.to_string()
        } else {
            short_echo(&first.text)
        });
    }
}

/// The address on file of account `identifier` (lower case), `None` when it is the
/// sender's own. (A login by mail needs an address on file, see the core's login.)
async fn address_on_file(
    core: &Core,
    origin: &Origin,
    identifier: &str,
    known: &mut HashMap<String, Option<String>>,
) -> anyhow::Result<Option<String>> {
    let key = identifier.to_lowercase();
    if let Some(address) = known.get(&key) {
        return Ok(address.clone());
    }
    let address = core
        .store()
        .account_by_identifier(identifier)
        .await?
        .and_then(|a| a.email)
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty() && *e != origin.source.to_lowercase());
    known.insert(key, address.clone());
    Ok(address)
}

/// The identifier a login line names (empty when it names none).
fn login_identifier(text: &str) -> String {
    split_command(text)
        .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}

async fn run_one(core: &Core, origin: &Origin, input: &Input, pending: &mut Expect) -> Answer {
    let text = input.text.as_str();
    if *pending != Expect::Command && ends_prompt(text) {
        // Email cannot prompt: a line that is a whole command ends the prompt.
        core.handle(origin, "cancel").await;
        *pending = Expect::Command;
    }
    let typed_secret = *pending == Expect::Secret;
    let was_command = *pending == Expect::Command;
    // A password goes to the core as written: it checks a login trimmed and then as
    // typed, and refuses a new password with a blank at either end (not silently cut).
    let given = if typed_secret || (was_command && is_login(text)) {
        input.raw.as_str()
    } else {
        text
    };
    let reply = core
        .handle_with_files(origin, given, input.files.clone())
        .await;
    *pending = reply.expect;
    let understood = !(was_command
        && reply
            .views
            .first()
            .is_some_and(|v| NOT_UNDERSTOOD.contains(&v.template)));
    let secret = typed_secret || reply.input_was_secret;
    let echo = if typed_secret {
        MASK.to_string()
    } else if reply.input_was_secret {
        masked_echo(text)
    } else if understood {
        full_echo(text)
    } else {
        short_echo(text)
    };
    Answer {
        echo,
        secret,
        section: if understood {
            Section::Done
        } else {
            Section::NotUnderstood
        },
        reply,
        account: None,
        to: None,
    }
}

/// Which input runs next: the login line first; then, while the core asks a question,
/// the lines just below the last one run (they answer it: the new password twice after
/// a first login); otherwise the first input not yet run.
fn next_input(
    inputs: &[Input],
    done: &[bool],
    login: Option<usize>,
    last: Option<usize>,
    pending: Expect,
) -> Option<usize> {
    if let Some(k) = login.filter(|k| !done[*k]) {
        return Some(k);
    }
    let below = last
        .map(|j| j + 1)
        .filter(|j| *j < inputs.len() && !done[*j]);
    if let Some(next) =
        below.filter(|j| pending != Expect::Command && !ends_prompt(&inputs[*j].text))
    {
        return Some(next);
    }
    done.iter().position(|d| !d)
}

fn ends_prompt(text: &str) -> bool {
    command::parse(text).is_ok_and(|c| {
        !matches!(
            c,
            command::Command::Public(command::PublicCommand::Cancel(_))
        )
    })
}

/// Logs the chat out and clears its dialogue, keeping an open registration.
/// Returns whether a registration was kept.
async fn reset(core: &Core, origin: &Origin) -> anyhow::Result<bool> {
    let store = core.store();
    let (channel, source) = (origin.channel.as_str(), origin.source.as_str());
    let Some(chat) = store.chat(channel, source).await? else {
        return Ok(false);
    };
    let dialogue = Dialogue::from_json(&chat.state);
    let keep = is_registration(&dialogue);
    if chat.sessions > 0 || chat.account_id.is_some() || (!keep && !dialogue.is_idle()) {
        store.end_chat_sessions(channel, source).await?;
        if keep {
            store
                .set_chat_state(channel, source, &dialogue.to_json())
                .await?;
        }
    }
    Ok(keep)
}

async fn registration_open(core: &Core, origin: &Origin) -> anyhow::Result<bool> {
    let chat = core
        .store()
        .chat(origin.channel.as_str(), &origin.source)
        .await?;
    Ok(chat.is_some_and(|c| is_registration(&Dialogue::from_json(&c.state))))
}

fn is_registration(d: &Dialogue) -> bool {
    d.is_registration()
}

/// The reply language suggested by the command words used (English names or Polish
/// aliases), else by `Content-Language`.
pub fn lang_hint(extracted: &Extracted, content_language: Option<&str>) -> Option<Lang> {
    let (mut en, mut pl) = (0, 0);
    for input in &extracted.inputs {
        let Some((word, _)) = split_command(&input.text) else {
            continue;
        };
        let Some(spec) = lookup(&word) else { continue };
        if spec.names.len() < 2 {
            continue;
        }
        if word == spec.names[0] {
            en += 1;
        } else {
            pl += 1;
        }
    }
    match en.cmp(&pl) {
        std::cmp::Ordering::Greater => Some(Lang::En),
        std::cmp::Ordering::Less => Some(Lang::Pl),
        std::cmp::Ordering::Equal => content_language
            .and_then(|l| l.split([',', '-', '_']).next())
            .and_then(Lang::parse),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::email::extract::extract;

    #[test]
    fn the_language_follows_the_command_words() {
        let en = extract("", "LOGIN a b\nBALANCE\nBILLS");
        assert_eq!(lang_hint(&en, None), Some(Lang::En));
        let pl = extract("", "ZALOGUJ a b\nSALDO\nPDF x");
        assert_eq!(lang_hint(&pl, Some("en")), Some(Lang::Pl));
        let none = extract("", "PDF x");
        assert_eq!(lang_hint(&none, Some("en-GB")), Some(Lang::En));
        assert_eq!(lang_hint(&none, None), None);
    }
}
