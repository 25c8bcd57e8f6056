//! The crate's files and which file's code names which other file (a `use`, or a path
//! such as `crate::store::Store` or `super::ctx::Ctx` anywhere in code, macros'
//! arguments included), read with `syn` from the sources as they are on disk. Code under
//! `#[cfg(test)]` is left out: tests may reach wherever they need.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// A module: the file that holds it and its child modules by name.
#[derive(Debug, Default)]
struct Module {
    file: String,
    children: BTreeMap<String, Vec<String>>,
}

/// Every module of the crate (by path, e.g. `core::views`) and the arrows between files.
#[derive(Debug, Default)]
pub struct Graph {
    modules: BTreeMap<Vec<String>, Module>,
    /// `#[macro_export]` macros: name → the file that defines them.
    macros: BTreeMap<String, String>,
    /// file → the files it names, with one example of a path that names it.
    pub arrows: BTreeMap<String, BTreeMap<String, String>>,
}

/// The sources of a crate: file name (relative to the crate's `src/`) → text.
pub type Sources = BTreeMap<String, String>;

/// Reads every `.rs` file under `dir`.
pub fn read_dir(dir: &Path) -> Sources {
    let mut out = Sources::new();
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(name, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

impl Graph {
    /// The graph of the crate whose root file is `root` (`lib.rs`) among `sources`.
    pub fn build(sources: &Sources, root: &str) -> Graph {
        let mut g = Graph::default();
        let mut files: Vec<(Vec<String>, String, syn::File)> = Vec::new();
        let mut queue = vec![(Vec::new(), root.to_string())];
        while let Some((path, file)) = queue.pop() {
            let text = sources
                .get(&file)
                .unwrap_or_else(|| panic!("{file} is declared but missing"));
            let ast = syn::parse_file(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let mut modules = Vec::new();
            collect_modules(&ast.items, &path, &file, &mut modules);
            for (module, declared_in, children) in modules {
                let holder = match g.modules.get(&module) {
                    Some(_) => continue,
                    None => declared_in.clone(),
                };
                g.modules.insert(
                    module.clone(),
                    Module {
                        file: holder,
                        children: BTreeMap::new(),
                    },
                );
                for (child, inline) in children {
                    let mut child_path = module.clone();
                    child_path.push(child.clone());
                    if let Some(parent) = g.modules.get_mut(&module) {
                        parent.children.insert(child.clone(), child_path.clone());
                    }
                    if !inline {
                        queue.push((
                            child_path,
                            child_file(sources, &declared_in, &module, &child),
                        ));
                    }
                }
            }
            for (name, _) in exported_macros(&ast.items) {
                g.macros.insert(name, file.clone());
            }
            files.push((path, file, ast));
        }
        for (module, file, ast) in &files {
            let face = (file.ends_with("mod.rs") || file == root).then(|| {
                file.trim_end_matches("mod.rs")
                    .trim_end_matches(root)
                    .to_string()
            });
            let mut reader = Reader {
                graph: &g,
                module: module.clone(),
                face,
                reexport: false,
                found: BTreeMap::new(),
            };
            reader.visit_file(ast);
            let mut found = reader.found;
            found.remove(file);
            g.arrows.entry(file.clone()).or_default().extend(found);
        }
        g
    }

    /// The file that a path names, read from `module` (which lives in `file`), or `None`
    /// for a path outside the crate.
    fn resolve(&self, module: &[String], segments: &[String]) -> Option<String> {
        let (mut at, rest): (Vec<String>, &[String]) = match segments.first()?.as_str() {
            "crate" => (Vec::new(), &segments[1..]),
            "self" => (module.to_vec(), &segments[1..]),
            "super" => {
                let mut at = module.to_vec();
                let mut rest = segments;
                while rest.first().is_some_and(|s| s == "super") {
                    at.pop();
                    rest = &rest[1..];
                }
                (at, rest)
            }
            first => {
                // A child module of this one, named without `self::`.
                let here = self.modules.get(module)?;
                if !here.children.contains_key(first) {
                    return None;
                }
                (module.to_vec(), segments)
            }
        };
        if at.is_empty()
            && let Some(first) = rest.first()
            && let Some(file) = self.macros.get(first)
        {
            return Some(file.clone());
        }
        for segment in rest {
            let next = self.modules.get(&at)?.children.get(segment);
            match next {
                Some(child) => at = child.clone(),
                None => break,
            }
        }
        self.modules.get(&at).map(|m| m.file.clone())
    }

    /// Every file of the crate.
    pub fn files(&self) -> BTreeSet<String> {
        self.modules.values().map(|m| m.file.clone()).collect()
    }
}

/// Where the file of module `child`, declared in `parent_file` for module `parent`, is.
fn child_file(sources: &Sources, parent_file: &str, parent: &[String], child: &str) -> String {
    let dir = if parent.is_empty() || parent_file.ends_with("mod.rs") {
        Path::new(parent_file).parent().unwrap().to_path_buf()
    } else {
        Path::new(parent_file).with_extension("")
    };
    let flat = dir
        .join(format!("{child}.rs"))
        .to_string_lossy()
        .replace('\\', "/");
    let nested = dir
        .join(child)
        .join("mod.rs")
        .to_string_lossy()
        .replace('\\', "/");
    let flat = flat.trim_start_matches("./").to_string();
    let nested = nested.trim_start_matches("./").to_string();
    if sources.contains_key(&flat) {
        flat
    } else {
        nested
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|l| {
                l.tokens
                    .to_string()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|t| t == "test")
            })
    })
}

type Declared = (Vec<String>, String, Vec<(String, bool)>);

/// The modules this file holds (itself and inline ones) with their children:
/// (module, file, [(child, inline)]). Modules under `#[cfg(test)]` are left out.
fn collect_modules(items: &[syn::Item], module: &[String], file: &str, out: &mut Vec<Declared>) {
    let mut children = Vec::new();
    for item in items {
        if let syn::Item::Mod(m) = item {
            if is_cfg_test(&m.attrs) {
                continue;
            }
            let name = m.ident.to_string();
            match &m.content {
                Some((_, inner)) => {
                    children.push((name.clone(), true));
                    let mut path = module.to_vec();
                    path.push(name);
                    collect_modules(inner, &path, file, out);
                }
                None => children.push((name, false)),
            }
        }
    }
    out.push((module.to_vec(), file.to_string(), children));
}

fn exported_macros(items: &[syn::Item]) -> Vec<(String, ())> {
    items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Macro(m) if m.attrs.iter().any(|a| a.path().is_ident("macro_export")) => {
                m.ident.as_ref().map(|id| (id.to_string(), ()))
            }
            _ => None,
        })
        .collect()
}

/// Collects the files a file's code names.
struct Reader<'g> {
    graph: &'g Graph,
    module: Vec<String>,
    /// For a folder's `mod.rs` (or the crate root): the folder. Its `pub use` of its own
    /// modules' items is the folder's face, not an import: the children may use what the
    /// folder defines without a circle.
    face: Option<String>,
    /// Reading a `pub use`.
    reexport: bool,
    found: BTreeMap<String, String>,
}

impl Reader<'_> {
    fn note(&mut self, segments: Vec<String>) {
        if let Some(file) = self.graph.resolve(&self.module, &segments) {
            if self.reexport
                && let Some(folder) = &self.face
                && file.starts_with(folder.as_str())
            {
                return;
            }
            self.found
                .entry(file)
                .or_insert_with(|| segments.join("::"));
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                if n.ident != "self" {
                    full.push(n.ident.to_string());
                }
                self.note(full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                self.note(full);
            }
            syn::UseTree::Glob(_) => self.note(prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    /// Paths inside a macro's arguments (`format!("{}", crate::x::y())`).
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let flat: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < flat.len() {
            if let proc_macro2::TokenTree::Group(g) = &flat[i] {
                self.tokens(g.stream());
                i += 1;
                continue;
            }
            let mut segments = Vec::new();
            let mut j = i;
            while let Some(proc_macro2::TokenTree::Ident(id)) = flat.get(j) {
                segments.push(id.to_string());
                let colons = matches!((flat.get(j + 1), flat.get(j + 2)),
                    (Some(proc_macro2::TokenTree::Punct(a)), Some(proc_macro2::TokenTree::Punct(b)))
                    if a.as_char() == ':' && b.as_char() == ':');
                if !colons {
                    break;
                }
                j += 3;
            }
            if segments.len() > 1 && matches!(segments[0].as_str(), "crate" | "super" | "self") {
                self.note(segments);
                i = j + 1;
            } else {
                i += 1;
            }
        }
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_cfg_test(&m.attrs) {
            return;
        }
        if let Some((_, items)) = &m.content {
            self.module.push(m.ident.to_string());
            for item in items {
                self.visit_item(item);
            }
            self.module.pop();
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_cfg_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if !is_cfg_test(&i.attrs) {
            syn::visit::visit_item_impl(self, i);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !is_cfg_test(&u.attrs) {
            self.reexport = !matches!(u.vis, syn::Visibility::Inherited);
            self.use_tree(&mut Vec::new(), &u.tree);
            self.reexport = false;
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            self.note(segments);
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `crate::on_pool!(…)` names the macro's own file; its arguments may name others.
        self.visit_path(&m.path);
        self.tokens(m.tokens.clone());
    }
}
