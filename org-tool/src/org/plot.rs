//! `results --plot FILE.svg`: the first result value of every proven shard, and progress over
//! time (shards proven since the job was published), drawn as SVG with plotters.

use std::path::Path;

use anyhow::{bail, Context};
use plotters::prelude::*;

use super::report::JobReport;

pub fn plot(path: &Path, job: &JobReport) -> anyhow::Result<()> {
    if path.extension().and_then(|e| e.to_str()) != Some("svg") {
        // The bitmap backend needs a font stack (freetype or a bundled font); SVG needs neither.
        bail!("--plot writes SVG only: name the file *.svg (convert it with rsvg-convert or a browser if you need PNG)");
    }
    draw(path, job).map_err(|e| anyhow::anyhow!("{e}")).with_context(|| format!("drawing {}", path.display()))
}

fn draw(path: &Path, job: &JobReport) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (1000, 720)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(360);

    let mut values: Vec<(u32, f64)> = job
        .results
        .iter()
        .filter_map(|r| Some((r.shard, r.result.first()?.parse::<f64>().ok()?)))
        .collect();
    values.sort_by_key(|v| v.0);
    let ymax = values.iter().map(|v| v.1).fold(0.0, f64::max).max(1.0) * 1.1;
    let mut chart = ChartBuilder::on(&top)
        .caption(format!("{}: first result value per shard", job.name), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(70)
        .build_cartesian_2d(0u32..job.shards_total.max(1), 0f64..ymax)?;
    chart.configure_mesh().x_desc("shard").y_desc("result[0]").draw()?;
    chart.draw_series(LineSeries::new(values.iter().copied(), &BLUE))?;
    chart.draw_series(values.iter().map(|&(x, y)| Circle::new((x, y), 3, BLUE.filled())))?;

    let mut times: Vec<u64> = job.results.iter().map(|r| r.verified_at).collect();
    times.sort_unstable();
    let minutes = |t: u64| t.saturating_sub(job.created_at) as f64 / 60.0;
    let span = times.last().map(|t| minutes(*t)).unwrap_or(0.0).max(1.0 / 60.0) * 1.05;
    let mut points = vec![(0.0, 0u32)];
    points.extend(times.iter().enumerate().map(|(i, t)| (minutes(*t), i as u32 + 1)));
    let mut chart = ChartBuilder::on(&bottom)
        .caption(format!("progress: {}/{} shards proven", times.len(), job.shards_total), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..span, 0u32..job.shards_total.max(1))?;
    chart.configure_mesh().x_desc("minutes since publishing").y_desc("shards proven").draw()?;
    chart.draw_series(LineSeries::new(points, &RED))?;
    root.present()?;
    Ok(())
}
