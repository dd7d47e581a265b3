/**
 * Checkpoint download: the tar archive (tfjs model.json, weights, hyperparameters) as stored in
 * Postgres. The store verifies the bytes against their sha256 before they are sent; bytes that no
 * longer match are answered 410 CHECKPOINT_CORRUPT. Nothing here
 * touches a filesystem; the file name in Content-Disposition is built from the stored trial id (a
 * UUID) and epoch (an integer) only, never from the request.
 */
import { errorResponses } from '../schemas/common.js';
import { CheckpointParams } from '../schemas/trials.js';
import { type App, type RouteDeps, security } from '../route-deps.js';
import { Type } from 'typebox';

const TarBody = Type.Unsafe<Uint8Array>({ type: 'string', format: 'binary', description: 'tar archive' });

export default async function checkpointRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { stores, auth } = deps;

  app.get(
    '/trials/:id/checkpoints/:epoch',
    {
      onRequest: auth.read,
      schema: {
        tags: ['trials'],
        summary: "Download a trial's checkpoint at an epoch (tar archive)",
        ...security(auth.readRequiresKey),
        params: CheckpointParams,
        response: {
          200: { description: 'the checkpoint archive', content: { 'application/x-tar': { schema: TarBody } } },
          304: { description: 'not modified (If-None-Match matched the ETag)', type: 'null' },
          ...errorResponses(400, 401, 404, 410),
        },
      },
    },
    async (request, reply) => {
      const { id, epoch } = request.params;
      const meta = await stores.checkpoints.get(id, epoch);
      const etag = `"${meta.sha256}"`;
      void reply.header('etag', etag).header('x-checksum-sha256', meta.sha256).header('cache-control', 'private, max-age=0');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
      const { meta: verified, data } = await stores.checkpoints.read(id, epoch);
      return reply
        .status(200)
        .header('content-type', 'application/x-tar')
        .header('content-length', String(data.byteLength))
        .header('content-disposition', `attachment; filename="trial-${verified.trialId}-epoch-${verified.epoch}.tar"`)
        .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
  );
}
