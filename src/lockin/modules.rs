//! Which files a module name may be: `..llm` from `app/api/routes.py` is `app/llm.py` or
//! `app/llm/__init__.py`, `@/lib/ai` is some `lib/ai.ts`, and a Go file's own package is the other
//! Go files of its directory. `clients` follows imported clients to the files found here.

use super::clients::LocalImport;

/// Whether a file may be the module `import` names: one of the files its module name may be, or,
/// for a Go file's name of its own package (`.`), another Go file of its directory.
pub(super) fn module_test(import: &LocalImport) -> impl Fn(&str) -> bool + '_ {
    let dir = |f: &str| f.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let package = (import.module == "." && import.file.ends_with(".go")).then(|| dir(&import.file));
    let candidates = module_files(&import.file, &import.module);
    move |file| match &package {
        Some(own) => file.ends_with(".go") && file != import.file && dir(file) == *own,
        None => candidates.iter().any(|m| is_module(file, m)),
    }
}

/// Whether `file` is the module `candidate` names: the same path, or (for a module named from
/// the project's root or a path alias, which the scan's root may sit above) one ending in it.
fn is_module(file: &str, candidate: &str) -> bool {
    match candidate.strip_prefix('/') {
        Some(exact) => file == exact,
        None => file == candidate || file.ends_with(&format!("/{candidate}")),
    }
}

/// The files a module name may be, relative to the scan's root: exact paths start with `/`.
pub(super) fn module_files(importer: &str, module: &str) -> Vec<String> {
    let dir = importer.rsplit_once('/').map_or("", |(d, _)| d);
    let python = importer.ends_with(".py") || importer.ends_with(".pyi");
    let (base, exact) = if python {
        let dots = module.chars().take_while(|&c| c == '.').count();
        let path = module[dots..].replace('.', "/");
        if dots == 0 {
            (path, false)
        } else {
            let up: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
            let keep = up.len().saturating_sub(dots - 1);
            let mut parts: Vec<&str> = up[..keep].to_vec();
            parts.extend(path.split('/').filter(|s| !s.is_empty()));
            (parts.join("/"), true)
        }
    } else if module.starts_with('.') {
        (joined(dir, module), true)
    } else {
        let alias = module.trim_start_matches("@/").trim_start_matches("~/");
        (alias.to_string(), false)
    };
    let endings: &[&str] = if python {
        &[".py", "/__init__.py"]
    } else {
        &[
            "",
            ".ts",
            ".tsx",
            ".js",
            ".jsx",
            ".mjs",
            ".cjs",
            "/index.ts",
            "/index.js",
        ]
    };
    // TypeScript's ESM imports name the compiled file: `./llm.js` is `llm.ts`.
    let base = (!python)
        .then(|| base.strip_suffix(".js"))
        .flatten()
        .map_or(base.clone(), str::to_string);
    let prefix = if exact { "/" } else { "" };
    (endings.iter())
        .map(|e| format!("{prefix}{base}{e}"))
        .collect()
}

/// `dir` joined with a relative module path, `.` and `..` resolved.
fn joined(dir: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_become_the_files_they_may_be() {
        let py = module_files("app/api/routes.py", "..llm");
        assert_eq!(py, ["/app/llm.py", "/app/llm/__init__.py"]);
        let py = module_files("app/api/routes.py", ".llm");
        assert_eq!(py[0], "/app/api/llm.py");
        assert_eq!(module_files("main.py", "app.llm")[0], "app/llm.py");
        let ts = module_files("src/pages/chat.ts", "../lib/ai.js");
        assert_eq!(&ts[..2], ["/src/lib/ai", "/src/lib/ai.ts"]);
        assert_eq!(module_files("src/x.ts", "@/lib/ai")[1], "lib/ai.ts");
        assert!(is_module("src/lib/ai.ts", "lib/ai.ts"));
        assert!(!is_module("src/lib/ai.ts", "/lib/ai.ts"));
    }
}
