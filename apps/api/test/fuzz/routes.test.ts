import { describe, expect, it } from 'vitest';
import { parseRouteTree } from './routes.js';

describe('parseRouteTree', () => {
  it("reads every route of Fastify's printRoutes({ commonPrefix: false }) tree, without HEAD twins", () => {
    const tree = [
      '└── / (HEAD, GET)',
      '    ├── docs (GET, HEAD)',
      '    │   └── / (GET, HEAD)',
      '    │       ├── * (HEAD, GET)',
      '    │       └── json (GET, HEAD)',
      '    ├── studies (POST, GET, HEAD)',
      '    │   └── /:id (GET, HEAD)',
      '    │       ├── /stop (POST)',
      '    │       └── /trials (GET, HEAD)',
      '    ├── trials/:id (GET, HEAD)',
      '    │   └── /checkpoints/:epoch (GET, HEAD)',
      '    └── assets/index-x.js (HEAD, GET)',
      '',
    ].join('\n');
    expect(parseRouteTree(tree)).toEqual([
      { method: 'GET', url: '/' },
      { method: 'GET', url: '/docs' },
      { method: 'GET', url: '/docs/' },
      { method: 'GET', url: '/docs/*' },
      { method: 'GET', url: '/docs/json' },
      { method: 'POST', url: '/studies' },
      { method: 'GET', url: '/studies' },
      { method: 'GET', url: '/studies/:id' },
      { method: 'POST', url: '/studies/:id/stop' },
      { method: 'GET', url: '/studies/:id/trials' },
      { method: 'GET', url: '/trials/:id' },
      { method: 'GET', url: '/trials/:id/checkpoints/:epoch' },
      { method: 'GET', url: '/assets/index-x.js' },
    ]);
  });
});
