//! `srec man`: print `srec.1`, or write every page (one per subcommand) with
//! `--out-dir`.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct ManCmd {
    /// Write srec.1 and one page per subcommand into this folder
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

impl ManCmd {
    pub fn run(self) -> anyhow::Result<()> {
        match self.out_dir {
            Some(dir) => {
                std::fs::create_dir_all(&dir)?;
                clap_mangen::generate_to(super::command(), &dir)?;
                Ok(())
            }
            None => {
                let mut buf = Vec::new();
                clap_mangen::Man::new(super::command()).render(&mut buf)?;
                super::output::print(&String::from_utf8_lossy(&buf))
            }
        }
    }
}
