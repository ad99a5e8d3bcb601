//! A run's progress drawn from its events: a bar on a terminal; otherwise a plain line every
//! tenth of the run, so CI logs stay short. Failed calls are printed as they are recorded.

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use modelswap::runner::{Event, Events};

pub fn events() -> Events {
    let terminal = std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(
        None,
        if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .expect("a fixed template")
            .progress_chars("=> "),
    );
    let progress = Progress {
        bar,
        plain: !terminal,
    };
    Arc::new(move |event| progress.on(event))
}

struct Progress {
    bar: ProgressBar,
    plain: bool,
}

impl Progress {
    fn on(&self, event: Event) {
        match event {
            Event::Started { total, done } => {
                self.bar.set_length(total);
                self.bar.set_position(done);
            }
            Event::Recorded {
                provider,
                case_id,
                error,
            } => {
                if let Some(e) = error {
                    self.println(&format!(
                        "{provider} {case_id}: error ({:?}): {}",
                        e.kind, e.message
                    ));
                }
                self.bar.set_message(format!("{provider} {case_id}"));
                self.bar.inc(1);
                let (pos, len) = (self.bar.position(), self.bar.length().unwrap_or(0));
                if self.plain && (pos % (len / 10).max(1) == 0 || pos == len) {
                    eprintln!("progress: {pos}/{len} records ({provider} {case_id})");
                }
            }
            Event::Interrupted => self.println("interrupted: keeping the records completed so far"),
            Event::Finished => self.bar.finish_and_clear(),
        }
    }

    fn println(&self, line: &str) {
        if self.plain {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }
}
