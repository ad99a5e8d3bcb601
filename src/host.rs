//! The machine a run ran on, as `run.json` records it. The CPU's model and instruction sets are
//! part of it because they decide how fast a local model decodes and, for integer kernels, whether
//! its answers are right at all: the same quantized file can be exact on a VNNI CPU and garbage on
//! an AVX2-only one.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub os: String,
    pub arch: String,
    pub cpus: usize,
    /// Absent in runs written before modelswap recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cpu {
    /// As the OS names it (`model name` in /proc/cpuinfo); `unknown` where it does not say.
    pub model: String,
    /// The instruction sets that matter to ONNX Runtime's kernels, of those the CPU and OS offer,
    /// in the order of `FEATURES` (e.g. `avx2`, `avx512f`, `avx512_vnni`, `amx_int8`, `neon`).
    pub features: Vec<String>,
}

/// The instruction sets recorded, by their Linux /proc/cpuinfo names: x86's vector widths, its
/// integer dot products (VNNI, which decides whether u8 x s8 GEMMs saturate) and matrix tiles
/// (AMX), and ARM's NEON (`asimd`), dot product, int8 matrix multiply and SVE.
const FEATURES: [(&str, &str); 13] = [
    ("avx2", "avx2"),
    ("fma", "fma"),
    ("avx512f", "avx512f"),
    ("avx512_vnni", "avx512_vnni"),
    ("avx512_bf16", "avx512_bf16"),
    ("avx_vnni", "avx_vnni"),
    ("amx_tile", "amx_tile"),
    ("amx_int8", "amx_int8"),
    ("amx_bf16", "amx_bf16"),
    ("asimd", "neon"),
    ("asimddp", "dotprod"),
    ("i8mm", "i8mm"),
    ("sve", "sve"),
];

impl Host {
    pub fn current() -> Self {
        Self {
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu: Some(Cpu::current()),
        }
    }

    /// One line for a report: `linux x86_64, 2 CPUs: AMD EPYC (avx2 fma avx512f avx512_vnni)`.
    pub fn describe(&self) -> String {
        let cpu = match &self.cpu {
            Some(cpu) if cpu.features.is_empty() => {
                format!(": {} (none of the recorded instruction sets)", cpu.model)
            }
            Some(cpu) => format!(": {} ({})", cpu.model, cpu.features.join(" ")),
            None => String::new(),
        };
        format!("{} {}, {} CPUs{cpu}", self.os, self.arch, self.cpus)
    }
}

impl Cpu {
    pub fn current() -> Self {
        let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Self::from_cpuinfo(&text)
    }

    /// From the text of /proc/cpuinfo: the first processor's model name and flags (x86 `flags`,
    /// ARM `Features`; ARM's model is its `CPU part` where no model name is given).
    fn from_cpuinfo(text: &str) -> Self {
        let field = |names: &[&str]| {
            text.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                names
                    .contains(&key.trim())
                    .then(|| value.trim().to_string())
            })
        };
        let model = field(&["model name", "Model name", "Processor"])
            .or_else(|| field(&["CPU part"]).map(|part| format!("ARM CPU part {part}")))
            .unwrap_or_else(|| "unknown".into());
        let flags = field(&["flags", "Features"]).unwrap_or_default();
        let flags: Vec<&str> = flags.split_whitespace().collect();
        let features = FEATURES
            .iter()
            .filter(|(linux, _)| flags.contains(linux))
            .map(|(_, name)| (*name).to_string())
            .collect();
        Self { model, features }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_avx2_only_epyc_has_no_vnni() {
        let cpu = Cpu::from_cpuinfo(
            "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B12\n\
             flags\t\t: fpu sse2 avx fma avx2 bmi2\n\nprocessor\t: 1\nmodel name\t: other\n",
        );
        assert_eq!(cpu.model, "AMD EPYC 7B12");
        assert_eq!(cpu.features, ["avx2", "fma"]);
    }

    #[test]
    fn sapphire_rapids_lists_vnni_and_amx_in_a_fixed_order() {
        let cpu = Cpu::from_cpuinfo(
            "model name\t: Intel(R) Xeon(R) Platinum 8480+\nflags\t\t: amx_int8 amx_tile avx512_vnni avx512f avx2 avx_vnni\n",
        );
        assert_eq!(
            cpu.features,
            [
                "avx2",
                "avx512f",
                "avx512_vnni",
                "avx_vnni",
                "amx_tile",
                "amx_int8"
            ]
        );
    }

    #[test]
    fn arm64_reports_neon_and_dot_product() {
        let cpu = Cpu::from_cpuinfo(
            "processor\t: 0\nFeatures\t: fp asimd evtstrm aes asimddp i8mm\nCPU part\t: 0xd0c\n",
        );
        assert_eq!(cpu.model, "ARM CPU part 0xd0c");
        assert_eq!(cpu.features, ["neon", "dotprod", "i8mm"]);
    }

    #[test]
    fn the_report_line_names_the_cpu_and_its_instruction_sets() {
        let host = Host {
            os: "linux".into(),
            arch: "x86_64".into(),
            cpus: 2,
            cpu: Some(Cpu {
                model: "AMD EPYC".into(),
                features: vec!["avx2".into()],
            }),
        };
        assert_eq!(host.describe(), "linux x86_64, 2 CPUs: AMD EPYC (avx2)");
        let old = Host { cpu: None, ..host };
        assert_eq!(old.describe(), "linux x86_64, 2 CPUs");
    }
}
