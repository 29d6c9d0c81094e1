//! `execute`: a user command as an argument array with placeholders, run
//! without a shell, with the same values in `SREC_*` environment variables.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::StepIo;
use crate::pipeline::StepError;
use crate::pipeline::proc::{Program, run};

pub async fn execute(
    io: &StepIo<'_>,
    command: &[String],
    env: &BTreeMap<String, String>,
    timeout: Duration,
    outputs: &[String],
) -> Result<Vec<PathBuf>, StepError> {
    let args: Vec<String> = command
        .iter()
        .map(|a| io.ctx.expand(a, &io.inputs))
        .collect();
    let Some((program, rest)) = args.split_first() else {
        return Err(StepError::Fatal("empty command".into()));
    };
    let mut vars = io.ctx.env(&io.inputs);
    vars.extend(
        env.iter()
            .map(|(k, v)| (k.clone(), io.ctx.expand(v, &io.inputs))),
    );
    io.log.note(format!("execute {args:?}")).await;
    run(
        Program {
            binary: std::path::Path::new(program),
            args: rest.to_vec(),
            env: vars,
            timeout,
        },
        io.cancel,
        io.log,
        |_| {},
    )
    .await?;
    if outputs.is_empty() {
        return Ok(io.inputs.clone());
    }
    let produced: Vec<PathBuf> = outputs
        .iter()
        .map(|o| PathBuf::from(io.ctx.expand(o, &io.inputs)))
        .collect();
    if let Some(missing) = produced.iter().find(|p| !p.exists()) {
        return Err(StepError::Retry(format!(
            "the command did not produce {}",
            missing.display()
        )));
    }
    Ok(produced)
}
