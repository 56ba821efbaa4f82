/**
 * A run's self-contained HTML report (src/ml/report/run-report.ts), to download:
 * `GET /api/runs/:run/report` → `text/html` with `content-disposition: attachment;
 * filename="report-RUN.html"`; an unknown run is a 404 (`E_ML_RUN`). The report carries its own
 * content security policy: it loads nothing and runs no script.
 */
import { Hono } from 'hono';
import { runReportHtml } from '../../ml/index.js';
import { requireStore, type DashboardContext } from '../dashboard-context.js';

/** A file name made of `runId` that any browser and file system takes as it is. */
export function reportFileName(runId: string): string {
  return `report-${runId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120)}.html`;
}

export function reportRoutes(ctx: DashboardContext): Hono {
  const app = new Hono();
  app.get('/runs/:run/report', async (c) => {
    const html = await runReportHtml(requireStore(ctx), c.req.param('run'));
    return c.body(html, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-disposition': `attachment; filename="${reportFileName(c.req.param('run'))}"`,
      'content-security-policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'",
    });
  });
  return app;
}
