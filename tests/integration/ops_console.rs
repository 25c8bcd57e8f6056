//! `ebok console` as a person uses it: the real binary on a terminal (a pseudo-terminal
//! the test holds the other end of), or with its input piped. What it shows is the
//! conversation: no log line, no colour code among the replies.

use crate::helpers::{OWN_BANK_ACCOUNT, TestDb, backends};
use crate::ops_logs::is_log_line;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);
const ESC: char = '\u{1b}';
/// A wrong password: the core logs the failed login (at INFO). Each session tries
/// another identifier: a second failure of one would wait for the login pause.
fn failed_login(session: u32) -> String {
    format!("zaloguj EB00000{session} ZleHaslo123")
}

fn console(db_url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ebok"));
    cmd.arg("--database")
        .arg(db_url)
        .arg("console")
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("EBOK_CONFIG")
        .env("EBOK_UTILITY__BANK_ACCOUNT", OWN_BANK_ACCOUNT);
    cmd
}

/// A console on a terminal: everything it writes (stdout and stderr, as a terminal
/// shows them) arrives on `output`.
struct Terminal {
    child: Child,
    input: std::fs::File,
    output: mpsc::Receiver<Vec<u8>>,
    /// Everything shown so far (decoded whole: a character may span two reads).
    seen: Vec<u8>,
}

impl Terminal {
    fn start(mut cmd: Command, dir: &std::path::Path) -> Terminal {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two new descriptors into the given integers.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned here alone.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let child = cmd
            .current_dir(dir)
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("start ebok console");
        let input = std::fs::File::from(master.try_clone().unwrap());
        let mut reader = std::fs::File::from(master);
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the console exits and the terminal's last user is gone.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        // Our copy of the slave end is closed (moved into the child's stdio and dropped
        // with `cmd`'s), so the reader sees the end when the console exits.
        drop(cmd);
        Terminal {
            child,
            input,
            output,
            seen: Vec::new(),
        }
    }

    /// Waits until the screen shows `text` (`n`-th time), at most [`WAIT`].
    fn wait_for(&mut self, text: &str, n: usize) {
        let deadline = Instant::now() + WAIT;
        while self.screen().matches(text).count() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.extend(bytes),
                Err(_) => panic!("{text:?} never shown; the screen:\n{}", self.screen()),
            }
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }

    fn type_line(&mut self, line: &str) {
        self.input
            .write_all(format!("{line}\r").as_bytes())
            .unwrap();
    }

    /// Types `koniec` and returns the whole screen once the console has exited.
    fn finish(mut self) -> String {
        self.type_line("koniec");
        let deadline = Instant::now() + WAIT;
        loop {
            if self.child.try_wait().unwrap().is_some() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the console did not end:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // The reader ends (its sender dropped) once the terminal is closed.
        while let Ok(bytes) = self.output.recv_timeout(WAIT) {
            self.seen.extend(bytes);
        }
        self.screen()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A failed login and a command on a terminal; the screen at the end.
fn session_on_a_terminal(
    db_url: &str,
    args: &[&str],
    dir: &std::path::Path,
    session: u32,
) -> String {
    let mut term = Terminal::start(console(db_url, args), dir);
    term.wait_for("e-BOK> ", 1);
    term.type_line(&failed_login(session));
    term.wait_for("e-BOK> ", 2);
    term.type_line("kontakt");
    term.wait_for("e-BOK> ", 3);
    term.finish()
}

fn log_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| is_log_line(l)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_login_on_the_console_shows_only_the_conversation() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let work = tempfile::tempdir().unwrap();
        let screen = session_on_a_terminal(&db.url, &[], work.path(), 1);
        assert!(
            screen.contains("nieprawidłowe") && screen.contains("Kontakt"),
            "{}: the replies are missing:\n{screen}",
            db.label
        );
        assert!(
            log_lines(&screen).is_empty() && !screen.contains("failed login"),
            "{}: a log line among the replies:\n{screen}",
            db.label
        );
        assert!(
            !screen.contains(ESC),
            "{}: colour codes: {screen:?}",
            db.label
        );

        // Asked for, the log shows the failed login, still without colour codes.
        let screen = session_on_a_terminal(&db.url, &["--verbose"], work.path(), 2);
        let logged = log_lines(&screen);
        assert!(
            logged.iter().any(|l| l.contains("failed login")),
            "{}: --verbose logs nothing:\n{screen}",
            db.label
        );
        assert!(
            !screen.contains(ESC),
            "{}: colour codes: {screen:?}",
            db.label
        );

        // Piped (a script): stdout is the replies, stderr is empty.
        let mut child = console(&db.url, &[])
            .current_dir(work.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let script = format!("{}\nkontakt\n", failed_login(3));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: {stderr}", db.label);
        assert!(stdout.contains("nieprawidłowe") && stdout.contains("Kontakt"));
        assert_eq!(stderr, "", "{}: logged beside the replies", db.label);
        assert!(log_lines(&stdout).is_empty(), "{stdout}");
    }
}
