//! The floors of ARCHITECTURE.md as data, and the two rules: a file imports only from
//! modules on lower floors (or from its own module), and no files import each other in
//! a circle.

use super::graph::Graph;
use std::collections::BTreeMap;

/// (where, floor): a folder (ending in `/`) or a file of `src/`, lowest floor first.
/// A file belongs to the longest entry that contains it. Two different entries on one
/// floor may not import each other (the front ends, say).
const FLOORS: &[(&str, u8)] = &[
    ("domain/", 0),
    ("payment/", 1),
    ("ics.rs", 1),
    ("config/", 1),
    ("shutdown.rs", 2),
    ("telemetry.rs", 2),
    ("store/", 3),
    ("metrics.rs", 4),
    ("health.rs", 4),
    ("rates.rs", 5),
    ("render/", 5),
    ("notify/", 6),
    ("outbox/", 6),
    ("import/", 7),
    ("demo/", 8),
    ("core/", 9),
    ("app.rs", 10),
    ("mail/", 11),
    ("channels/mod.rs", 12),
    ("channels/console.rs", 12),
    ("channels/telegram/", 12),
    ("channels/email/", 12),
    ("http.rs", 12),
    ("serve.rs", 13),
    ("cli/", 14),
    ("lib.rs", 15),
];

/// The entry of `FLOORS` that holds `file`, and its floor.
pub fn floor_of(file: &str) -> Option<(&'static str, u8)> {
    FLOORS
        .iter()
        .filter(|(place, _)| {
            if place.ends_with('/') {
                file.starts_with(place)
            } else {
                file == *place
            }
        })
        .max_by_key(|(place, _)| place.len())
        .copied()
}

/// One broken rule.
#[derive(Debug)]
pub enum Violation {
    Upward {
        from: String,
        to: String,
        via: String,
        floors: (u8, u8),
    },
    Circle(Vec<String>),
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::Upward {
                from,
                to,
                via,
                floors,
            } => write!(
                f,
                "{from} (floor {}) imports {to} (floor {}) through `{via}`: a module imports \
                 only from lower floors",
                floors.0, floors.1
            ),
            Violation::Circle(files) => {
                write!(f, "a circle of imports: {}", files.join(" -> "))
            }
        }
    }
}

/// Every broken rule of `graph`.
pub fn check(graph: &Graph) -> Vec<Violation> {
    let mut out = Vec::new();
    for (from, targets) in &graph.arrows {
        let Some((from_place, from_floor)) = floor_of(from) else {
            continue;
        };
        for (to, via) in targets {
            let Some((to_place, to_floor)) = floor_of(to) else {
                continue;
            };
            if from_place != to_place && from_floor <= to_floor {
                out.push(Violation::Upward {
                    from: from.clone(),
                    to: to.clone(),
                    via: via.clone(),
                    floors: (from_floor, to_floor),
                });
            }
        }
    }
    out.extend(circles(graph).into_iter().map(Violation::Circle));
    out
}

/// The strongly connected groups of more than one file (Tarjan), each as one circle
/// through its files.
fn circles(graph: &Graph) -> Vec<Vec<String>> {
    let nodes: Vec<&String> = graph.arrows.keys().collect();
    let index_of: BTreeMap<&String, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let edges: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            graph.arrows[*n]
                .keys()
                .filter_map(|t| index_of.get(t).copied())
                .collect()
        })
        .collect();
    let mut t = Tarjan {
        edges: &edges,
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        on_stack: vec![false; nodes.len()],
        stack: Vec::new(),
        next: 0,
        groups: Vec::new(),
    };
    for v in 0..nodes.len() {
        if t.index[v].is_none() {
            t.visit(v);
        }
    }
    t.groups
        .into_iter()
        .filter(|g| g.len() > 1)
        .map(|g| g.into_iter().map(|i| nodes[i].clone()).collect())
        .collect()
}

struct Tarjan<'a> {
    edges: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    groups: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in &self.edges[v] {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut group = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                group.push(w);
                if w == v {
                    break;
                }
            }
            group.sort_unstable();
            self.groups.push(group);
        }
    }
}
