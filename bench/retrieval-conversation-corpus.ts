/**
 * The conversational corpus of `npm run bench:retrieval-history -- --corpus conversation` (issue 66),
 * written and committed before any tuning: one long history (project `rh-conv`, 56 sessions) of a
 * developer talking with an agent about problems met in real public developer discussions — each
 * session retells one GitHub issue or pull-request thread found with the search tool's issues corpus
 * (its address is kept as `source`), in our own words (facts, versions and remedies of the thread,
 * not its text). Eight clusters of threads on one subject each (HMR, a test runner that does not
 * exit, Prisma's shadow database, a build out of memory, ECONNRESET on keep-alive sockets, path
 * aliases, CORS credentials, a container that cannot reach PostgreSQL): the sessions of a cluster
 * share their vocabulary, so the other sessions of a subject are the distractors.
 *
 * Every session also holds chatter turns (an opener, sometimes a filler in the middle, a closer)
 * drawn from a pool shared by all sessions, so the turn that answers must be told apart from talk
 * in its own session. Four sessions hold a rule the user states ("from now on ...").
 *
 * Questions are written in other words than the turn that answers them (no shared identifiers
 * where the thread allowed it), each with its evidence: the session and the turn (indexes into
 * the final session, chatter included). Kinds:
 * - conversational: one session's answering turn;
 * - rule: the turn where a rule was stated, asked as a question that needs it;
 * - multi: every session of a subject (evidence spans sessions).
 * Split dev/test by a hash of the question id, as the code-history corpus.
 */
import crypto from 'node:crypto';
import { seeded } from './hook-traffic.js';
import type { HistoryCorpus, HistoryQuestion, HistorySession, Turn } from './retrieval-history-corpus.js';

export const CONVERSATION_HISTORY = 'conv';

interface ConvSession {
  key: string;
  source: string;
  /** Substantive turns: [what the user says, what the agent answers]. */
  turns: [string, string][];
}

const S = (key: string, source: string, turns: [string, string][]): ConvSession => ({ key, source, turns });

const SESSIONS: ConvSession[] = [
  // --- HMR (vite) ---
  S('hmr-1', 'https://github.com/Kong/insomnia/pull/5441', [
    ['Edits to React components stopped showing up live in the browser; I have to refresh by hand every time.', 'The React plugin for Vite that we pin is old. Its fast-refresh runtime does not match the Vite we upgraded to, so updates are dropped silently.'],
    ['So what do we change?', 'Bump @vitejs/plugin-react to the release made for this Vite major. After the bump, component edits are swapped in place again without losing state.'],
  ]),
  S('hmr-2', 'https://github.com/silviogutierrez/reactivated/pull/416', [
    ['After moving to Vite 6 I think hot reload is broken in the website app — nothing updates.', 'Before blaming the upgrade: the website app is server-rendered only. Its pages are never hydrated on the client, so there is no client module that could be replaced.'],
    ['Right, I tried it in the development app and it works there.', 'Then it was a false alarm. Hot updates only apply where React runs in the browser; in the website app you will always need a full reload.'],
  ]),
  S('hmr-3', 'https://github.com/ubugeeei-prod/vize/issues/2090', [
    ['I set up a fresh Vue project with the vize plugin on Windows, changed the heading text in App.vue, and the page stays the same.', 'The new compiler plugin replaces @vitejs/plugin-vue; its hot update path for single-file components is not wired on this version, so the browser never receives the changed template.'],
    ['Did I miss a setup step?', 'Your steps follow the getting-started page. Removing the devtools plugin was right. This is the plugin\'s bug at 0.243.0; keep plugin-vue for development until a release fixes it.'],
  ]),
  S('hmr-4', 'https://github.com/webfansplz/vite-plugin-vue-inspector/issues/34', [
    ['Fresh project from the scaffolder plus the Vue inspector plugin, and live updates do not work at all.', 'It is a regression between Vite 4.0.0 and 4.0.1: with 4.0.0 the same setup updates fine.'],
    ['Is there a release with a fix?', 'Yes: the inspector plugin 2.0.3 works with the newer Vite. Upgrade the plugin rather than pinning Vite back.'],
  ]),
  S('hmr-5', 'https://github.com/vitejs/vite/issues/4182', [
    ['Big Vue app, about 1500 components. Since some Vite release, editing a nested child component reloads the whole page instead of patching it.', 'Bisecting releases is the way: start from a clean lockfile and node_modules each time. What do you see per version?'],
    ['2.3.6 is fine, 2.3.7 breaks it; App.vue and the route pages still hot-swap, only the children deeper down trigger full reloads.', 'So the regression came in 2.3.7 and concerns components imported below lazily loaded route pages: the update no longer finds an accepting boundary and falls back to a reload. Stay on 2.3.6 and report it with that bisect.'],
  ]),
  S('hmr-6', 'https://github.com/eclipse-tractusx/portal-frontend/issues/695', [
    ['After the framework upgrade the dev server no longer refreshes the home page when I save a file.', 'It is on the Vite side. Two ways out: go back to Vite 4.5.2, or intercept the full reload with a listener on vite:beforeFullReload.'],
    ['Which one should we take?', 'The downgrade. The listener trick does not work with Vite 5.2.13, which is what the repository uses, and it only hides reloads rather than restoring module updates.'],
  ]),
  S('hmr-7', 'https://github.com/tailwindlabs/tailwindcss/issues/4970', [
    ['Since I turned on the just-in-time engine of Tailwind, my styles stop updating live.', 'That combination was broken with old Vite 2 releases: the JIT engine registers its dependencies in a way the old dev server ignored.'],
    ['Fix?', 'Update vite to the latest release as a dev dependency; the newer dev server picks up the dependencies the JIT engine declares.'],
  ]),
  S('hmr-8', 'https://github.com/jihchi/vite-plugin-rescript/pull/7', [
    ['ReScript files: after saving, the browser shows the old code until I restart everything.', 'Check whether the ReScript build is even writing new output. A stale lock file of the compiler can stop it rebuilding.'],
    ['You were right — there was a .bsb.lock left over, committed by accident. I deleted it and everything refreshes again.', 'Good. Add .bsb.lock to .gitignore so it never comes back from the repository; the plugin itself was fine.'],
  ]),
  S('hmr-9', 'https://github.com/vitejs/create-vite-app/issues/34', [
    ['With the reason-react template every change to a .re file refreshes the full page since the beta releases.', 'On the older dev server and plugin 2.x those modules were swapped in place; the beta broke the React plugin\'s handling of compiled Reason output.'],
    ['Anything to do on our side?', 'No code change: vite-plugin-react 3.0.1 fixes it. Bump the plugin.'],
  ]),
  // --- a test runner that does not exit (jest) ---
  S('jest-1', 'https://github.com/kentcdodds/kcd-scripts/pull/81', [
    ['Our shared test script leaves the process running after the suite passes; CI sits there until timeout.', 'Some handles are harmless leftovers (a logger, an idle timer). The shared script can force the runner to quit once results are in.'],
    ['Do it in the shared config then.', 'Done: the runner is now told to exit once all suites finish, so stray handles no longer keep the job alive.'],
  ]),
  S('jest-2', 'https://github.com/jestjs/jest/issues/15264', [
    ['I want CI to go red whenever a suite leaves something open, not just print that warning about not exiting a second later.', 'There is no such switch today. The warning is printed by the runner after a forced exit, in packages/jest-runner, and it never changes the exit code.'],
    ['Could we add one?', 'A flag like failOnOpenHandles would have to live in that runner code, which has no extension point. Propose it upstream; meanwhile wrap the run and grep the output for the warning to fail the job.'],
  ]),
  S('jest-3', 'https://github.com/temporalio/samples-typescript/issues/189', [
    ['The workflow tests pass but the runner reports an open handle, and the process lingers.', 'Something in the test environment keeps a timer of roughly nine seconds. Mocha shows the same: it exits, just about nine seconds late.'],
    ['I confirmed it: waiting 9.2 seconds in afterAll makes the warning disappear, 9.1 does not.', 'Then it is an internal timer of the SDK\'s test environment, not our code. Keep the wait out of the suite; the maintainers are looking at the core.'],
  ]),
  S('jest-4', 'https://github.com/jestjs/jest/issues/7931', [
    ['Our global teardown stops a database container and takes a few seconds; the runner now claims there is an open handle.', 'The one-second check starts before global teardown finishes, so a slow teardown is reported as a leak though nothing leaks.'],
    ['Is that our fault?', 'No, it is a known runner bug with jest 24: the warning is a false positive when teardown takes over a second. Ignore it or speed up the teardown.'],
  ]),
  S('jest-5', 'https://github.com/jestjs/jest/issues/7287', [
    ['Should we just add the flag that makes the runner quit at the end?', 'It is an escape hatch: forcing the exit hides resources left open and timers still pending. Better tear them down after each test.'],
    ['From now on we do not pass --forceExit in CI; every suite closes its own connections and timers.', 'Noted as the rule for this project. And the detection mode that should list open handles often prints nothing useful, so close things explicitly in afterAll.'],
  ]),
  S('jest-6', 'https://github.com/jestjs/jest/issues/12852', [
    ['An interval created inside an async test is not reported as open, but the same interval in a sync test is.', 'That is the runner\'s detection: handles created after an await in async tests or async hooks are not tracked, so the run just hangs with no message.'],
    ['Which version?', 'Seen with 28.1.0. Until it is fixed, create timers through a helper that clears them in afterEach.'],
  ]),
  S('jest-7', 'https://github.com/jestjs/jest/issues/9473', [
    ['I ran the tests with the detection flag and it just hangs, prints nothing, even after Ctrl-C.', 'Several people see the same: the detection flag can hang without printing anything.'],
    ['Weirdly, with both the force flag and the detection flag together it exits cleanly without warnings.', 'That combination hides the symptom rather than fixing it. Isolate the leaking component by running suites one at a time.'],
  ]),
  S('jest-8', 'https://github.com/jestjs/jest/issues/14743', [
    ['In the browser-like environment, a timer firing after the tests are done does not fail anything, but in the node environment it does.', 'The jsdom environment does not detect open handles nor errors and console calls after the tests end; only the node environment does.'],
    ['Versions?', 'Seen with 29.7.0 and the 30 alpha on Node 20. For leak checks, run those suites in the node environment.'],
  ]),
  // --- Prisma shadow database ---
  S('prisma-1', 'https://github.com/prisma/orm/issues/4571', [
    ['Creating the scratch database during migrate dev fails for our user.', 'migrate dev needs a second, temporary database to replay migrations and detect drift; the user needs the right to create databases. The privileges are listed in the docs.'],
    ['Can we turn that temporary database off?', 'Not with a flag. It is only needed for migrate dev in development; deploy does not use it. Give the dev user CREATEDB locally.'],
  ]),
  S('prisma-2', 'https://github.com/prisma/orm/issues/20690', [
    ['I pointed the separate scratch database setting at another MariaDB database, but migrate dev still connects with the main URL and fails with P1010 on the mysql database.', 'So the dedicated setting is ignored and the main connection is used to create the temporary database, where the user has no access.'],
    ['Prisma 5.1.1, Node 20.5.1.', 'It is a bug in that version. Workaround: grant the user rights on a database it can create and drop, or run migrate dev against a local database.'],
  ]),
  S('prisma-3', 'https://github.com/prisma/orm/issues/4578', [
    ['Our hosted account can create tables but not databases, and migrate dev dies with a permission error even though the migration only creates tables.', 'The error comes from the temporary database used to check the migration history, not from your migration SQL.'],
    ['So it is expected?', 'Known and tracked upstream; the temporary database setup does not suit accounts without database creation. Develop against a local Docker database.'],
  ]),
  S('prisma-4', 'https://github.com/prisma/web/pull/4805', [
    ['On Vercel Postgres migrate dev says P3014, cannot create the scratch database.', 'Cloud providers do not let your user create databases. The docs say so for Vercel Postgres now too.'],
    ['What do we do there?', 'Create the scratch database by hand on the provider and point the shadow database URL at it; locally just give the user the privilege.'],
  ]),
  S('prisma-5', 'https://github.com/prisma/orm/issues/23513', [
    ['My migration with a PL/pgSQL function fails to apply to the scratch database with a syntax error near a dash.', 'Reproduced: P3006 on migrate dev. But deploy fails on the same database too, so it is the SQL, not the scratch database.'],
    ['What is wrong in the SQL?', 'The function body has a comment or operator the splitter cuts wrongly. Put the body between dollar quotes and drop the double-dash comment inside it.'],
  ]),
  S('prisma-6', 'https://github.com/prisma/web/issues/7312', [
    ['The short link printed with P3014 leads to a page that does not exist.', 'The docs moved; the redirect still points to the old concepts path, which answers 404.'],
    ['Where is the page now?', 'Under the orm docs, prisma-migrate, shadow database. Reported to the website repository so the redirect gets updated.'],
  ]),
  // --- a build out of memory ---
  S('oom-1', 'https://github.com/axa-ch-webhub-cloud/pattern-library/issues/610', [
    ['The build crashed after six minutes with the GC log and allocation failed.', 'The stack shows babel resolving preset names over and over; the old space is stuck at about 1.3 GB, which is the heap ceiling of that Node.'],
    ['Why does babel use so much?', 'The plugin list is resolved for every file; move the babel config to one root file so it is loaded once.'],
  ]),
  S('oom-2', 'https://github.com/geosolutions-it/MapStore2/issues/4294', [
    ['The build script dies at 92% during chunk asset optimization.', 'That is the minifier running out of the default Node heap while compacting the print plugin chunks.'],
    ['And the fix?', 'Give Node more than 2 GB for that step: set the max old space size above 2048 in the build script.'],
  ]),
  S('oom-3', 'https://github.com/Paratii-Video/paratii-portal/issues/78', [
    ['yarn build takes forever on the build machine, then crashes at 91% additional asset processing.', 'The stack is in the uglifier\'s reduce_vars pass: it ran out of heap on the production bundle.'],
    ['Options?', 'Split the bundle or raise the heap limit for webpack; the machine\'s RAM is not the limit, Node\'s default heap is.'],
  ]),
  S('oom-4', 'https://github.com/react-boilerplate/react-boilerplate/issues/2150', [
    ['On the server our build dies with the allocation failure; on my laptop it works, asset optimizing alone uses 1.5 GB.', 'Try the heap flag with 4096 on the build command first.'],
    ['Tried that on Node 9, no luck.', 'Then the server simply has too little RAM for the bundle; give it more memory or build elsewhere and ship the artifacts.'],
  ]),
  S('oom-5', 'https://github.com/scratchfoundation/scratch-desktop/pull/170', [
    ['My desktop build started crashing out of memory while bundling the renderer.', 'Node 12 defaults to a 2 GB heap; the renderer bundle needs a bit more. 2.5 GB was enough in tests.'],
    ['Make it stick for everybody.', 'Done: the package scripts set NODE_OPTIONS with --max-old-space-size=2560 through cross-env, and webpack.render.js warns when the heap limit looks too small.'],
  ]),
  S('oom-6', 'https://github.com/webiny/docs.webiny.com/issues/17', [
    ['Users report the admin app build running out of heap.', 'We cannot fix that inside the framework; the remedy is to let Node use more memory.'],
    ['Rule for this repo: the build always runs with NODE_OPTIONS=--max_old_space_size=4096, nobody removes it.', 'Recorded as the rule, and noted in the docs as well.'],
  ]),
  S('oom-7', 'https://github.com/cboard-org/cboard/pull/1275', [
    ['The production image build fails in the Dockerfile with the heap limit during react-scripts build.', 'The default of about 2 GB is no longer enough for this app.'],
    ['What value?', 'Raised it to 4192 in the Dockerfile\'s build step; the image builds again.'],
  ]),
  S('oom-8', 'https://github.com/aws-samples/generative-ai-use-cases/pull/512', [
    ['The CodeBuild job fails right after 8290 modules are transformed by the bundler.', 'That is the web package\'s production build hitting the heap limit on the build container.'],
    ['How do we fix CI?', 'Set the heap size for the build command in the buildspec and pick a larger compute type for the job.'],
  ]),
  // --- ECONNRESET on keep-alive sockets ---
  S('reset-1', 'https://github.com/node-fetch/node-fetch/issues/1735', [
    ['Since Node 19 our back-to-back requests randomly fail with socket hang up.', 'The fetch library sends a Connection: close header by default even when the agent keeps sockets alive, and Node 19 turned keep-alive on for the default agent. The server closes, Node reuses the socket anyway.'],
    ['What can we change?', 'Stop sending the close header when the agent keeps connections (or let Node handle it), and pass an agent explicitly. Node itself could also stop reusing a socket once it got a FIN.'],
  ]),
  S('reset-2', 'https://github.com/node-fetch/node-fetch/issues/1418', [
    ['I want to retry requests that fail with a hang up, but only when they went out on a reused connection.', 'The request object knows that — reusedSocket — but the error the fetch library raises does not carry it.'],
    ['So?', 'Expose it on the FetchError, then retry only when the error code is ECONNRESET and the socket was reused, as the keep-alive agent library documents.'],
  ]),
  S('reset-3', 'https://github.com/nodejs/node/issues/47130', [
    ['Load test against our server with a 20-second socket lifetime: every few minutes or overnight the client sees resets.', 'It is a race: the server ends an idle keep-alive connection while the client is sending the next request on it.'],
    ['Can we reproduce it reliably?', 'Not reliably; the server has to send a RST at the wrong moment. The client should treat a request on a socket that just got a FIN as retryable.'],
  ]),
  S('reset-4', 'https://github.com/node-modules/agentkeepalive/issues/23', [
    ['Intermittent resets when the idle timeout is very close to the interval between our calls.', 'The debug log shows the socket timing out and being destroyed while a new request is already queued on it.'],
    ['Fix?', 'On timeout, take the socket out of the free list immediately instead of waiting for its close event, so no new request is handed to a dying socket.'],
  ]),
  S('reset-5', 'https://github.com/nodejs/node/issues/35526', [
    ['Behind nginx with a five-second idle timeout, and a client polling every five seconds, one request in three to five fails with a reset.', 'The server closes the idle connection at the very moment the client reuses it.'],
    ['Shouldn\'t Node retry that?', 'It does not retry automatically. Poll at a period different from the server\'s idle timeout, or set the client\'s keep-alive timeout below the server\'s.'],
  ]),
  S('reset-6', 'https://github.com/nodejs/node/issues/39810', [
    ['Two of our services in Docker call each other every ten seconds with axios and a keep-alive agent; some calls end in socket hang up.', 'The listener closes idle sockets after its keepAliveTimeout (5 s by default in Node) before the caller reuses them ten seconds later.'],
    ['What do we set?', 'Raise the listening server\'s keepAliveTimeout above the calling interval, or make the caller\'s free socket timeout shorter than the server\'s.'],
  ]),
  // --- path aliases ---
  S('alias-1', 'https://github.com/justkey007/tsc-alias/issues/81', [
    ['Can the alias rewriter be used at runtime with ts-node in an ES module project?', 'No: it was built for compile time only; it needs the emitted files to rewrite. And the runtime path mappers do not work with type: module.'],
    ['Then how do we run scripts?', 'Compile first and run the rewritten output, or use a loader that understands the mappings.'],
  ]),
  S('alias-2', 'https://github.com/microsoft/TypeScript/issues/10866', [
    ['The compiled JavaScript still has our @app imports and Node cannot find them.', 'The compiler never rewrites module specifiers: the path mappings only tell it where to look while type checking.'],
    ['Can we patch require for the library we publish?', 'Not in a library: the module-alias package changes require globally and warns against use in published packages. Use relative imports there.'],
  ]),
  S('alias-3', 'https://github.com/microsoft/TypeScript/issues/53908', [
    ['Importing a JSON file through our alias fails with module not found, relative import works.', 'That message comes from the bundler at run time, not from the type checker.'],
    ['So the tsconfig is right?', 'For types, yes. Configure the same alias in the bundler\'s resolver, since TypeScript does not rewrite import paths.'],
  ]),
  S('alias-4', 'https://github.com/DevExpress/DevExtreme/pull/24054', [
    ['After the build our internal alias imports stay as they are in the output.', 'The build pipeline compiles TS files without a step that resolves the mapping.'],
    ['Make the output work.', 'Added a transform to the build: each aliased import is replaced by the relative require path to the real module.'],
  ]),
  S('alias-5', 'https://github.com/microsoft/TypeScript/issues/47453', [
    ['I switched the project to ES modules and now imports through our alias break while relative ones work.', 'Mappings are not a rewriting mechanism. They should only describe what your runtime or bundler already resolves.'],
    ['Convention from now on: no tsconfig path aliases in server code, only relative imports or the package imports field.', 'Recorded as the project\'s convention. The package imports field is resolved by Node itself, so it works at run time.'],
  ]),
  S('alias-6', 'https://github.com/justkey007/tsc-alias/issues/217', [
    ['The alias rewriter does not resolve our root alias that maps #/* to the project root.', 'Several people hit it across versions of the compiler and the tool.'],
    ['Someone said removing the tool\'s own block from tsconfig fixed it.', 'It helped one of them: with that block present the tool seemed to skip all files. It did not help the reporter, so keep an eye on the output.'],
  ]),
  S('alias-7', 'https://github.com/microsoft/TypeScript/issues/56350', [
    ['With moduleResolution set to NodeNext the emitted main.js keeps the @/constants import.', 'Working as intended: the compiler writes the specifier exactly as in the source.'],
    ['So we need something else?', 'Yes: a post-build rewrite, or subpath imports in package.json, which NodeNext understands.'],
  ]),
  S('alias-8', 'https://github.com/swc-project/swc/issues/1935', [
    ['With the Rust-based compiler, Node throws invalid module specifier for our @api import.', 'The compiler\'s paths option needs the baseUrl in its own config; otherwise the specifier is left untouched and Node takes it for a package name.'],
    ['Our config has paths but not the baseUrl.', 'Add it under jsc in the compiler config, next to paths, and the import is rewritten to the file.'],
  ]),
  // --- CORS with credentials ---
  S('cors-1', 'https://github.com/r0man/cljs-http/issues/78', [
    ['The preflight from the browser app on port 3000 to the API on 8080 fails: credentials flag is true but the allow-credentials header is empty.', 'The server allows the origin but never says it accepts credentials, so the browser refuses.'],
    ['Where do we set it?', 'In the server\'s CORS interceptor: answer the preflight with Access-Control-Allow-Credentials set to true, alongside the allowed origin.'],
  ]),
  S('cors-2', 'https://github.com/corydolphin/flask-cors/issues/284', [
    ['The decorated endpoint still fails the preflight from the browser when cookies are sent.', 'The decorator with supports_credentials is applied, but the extension set up globally answers the OPTIONS request first without that setting.'],
    ['Fix?', 'Pass supports_credentials to the app-wide setup instead of only the decorator.'],
  ]),
  S('cors-3', 'https://github.com/shlinkio/shlink/issues/2488', [
    ['The new credentials option works for preflights, but simple GET requests with cookies are still blocked.', 'The header is only returned on OPTIONS answers; for requests without a preflight the browser needs it on the actual response.'],
    ['So what should the server do?', 'Return the allow-credentials header on every response to a request with credentials, not just on preflights.'],
  ]),
  S('cors-4', 'https://github.com/restify/node-restify/issues/522', [
    ['We configured allowed origins and credentials, but the OPTIONS answer still sends the wildcard origin and the browser rejects it.', 'The framework\'s default preflight handler ignores the CORS configuration and always answers with a star.'],
    ['What do we do?', 'Register our own OPTIONS handler that echoes the allowed origin; a wildcard is never accepted together with credentials.'],
  ]),
  S('cors-5', 'https://github.com/Suwayomi/Suwayomi-Server/pull/1261', [
    ['Every request from the web client fails since we enabled auth, even with a valid session.', 'The browser\'s preflight never carries credentials, so the auth layer rejects the OPTIONS request and the real request is never sent.'],
    ['Rule: preflight requests always pass before the auth middleware; never require credentials on OPTIONS.', 'Recorded as a rule and implemented: OPTIONS is answered before authentication.'],
  ]),
  // --- a container cannot reach PostgreSQL ---
  S('pg-1', 'https://github.com/angristan/dockerfiles/issues/1', [
    ['The one-off rake task in compose cannot connect; it says connection refused on localhost 5432, yet the database container is up.', 'Inside the app container localhost is the app container itself; the database is another container.'],
    ['What should the host be?', 'The database service\'s name from the compose file, set in the database config instead of localhost.'],
  ]),
  S('pg-2', 'https://github.com/bezkoder/docker-compose-nodejs-postgres/issues/2', [
    ['docker compose up fails with ECONNREFUSED on ::1 and 127.0.0.1 port 5432 while the image builds.', 'The log lines carry the build step prefix: the app tries to reach the database during the image build, when no database is reachable.'],
    ['So?', 'Move the connection to container start, and use the service name as host.'],
  ]),
  S('pg-3', 'https://github.com/cookiecutter/cookiecutter-django/issues/2767', [
    ['Locally with Docker the web container cannot reach the database.', 'The local compose file does not publish the database port to the host, so localhost:5432 answers nothing.'],
    ['I am on a Mac.', 'From another container use the service name, postgres:5432. From the host on Mac or Windows use host.docker.internal, and publish the port with a 5432:5432 mapping.'],
  ]),
  S('pg-4', 'https://github.com/postgis/docker-postgis/issues/227', [
    ['My Python container gets connect call failed to 172.20.0.2 port 5432 from the spatial database image.', 'Try the plain official image to rule the image out.'],
    ['Found it: the password had an at sign and broke the connection URI.', 'Right — percent-encode special characters in the URI, or pass the password separately. The image was fine.'],
  ]),
  S('pg-5', 'https://github.com/khezen/compose-postgres/issues/6', [
    ['The admin UI in the compose stack cannot add the server at localhost:5432, but my local admin install can.', 'In the admin container localhost is that container. Use the database service name.'],
    ['And if it still refuses?', 'Check that the server listens on all interfaces: listen_addresses set to * in postgresql.conf.'],
  ]),
  S('pg-6', 'https://github.com/webdevops/php-docker-boilerplate/issues/55', [
    ['The PHP app container gets connection refused on localhost port 15432, which is what docker ps shows as mapped.', 'That mapping is on the host. Inside the compose network the database listens on 5432 under its service name.'],
    ['So both settings change?', 'Yes: host postgres, port 5432 in the parameters file; 15432 is only for tools on the host.'],
  ]),
];

/** Chatter: turns that answer nothing, shared by every session (what the turn that answers must rise above). */
const OPENERS: [string, string][] = [
  ['Morning! Picking up the app work again today.', 'Good morning. I have the repository open; tell me what you ran into.'],
  ['Hi, quick one before standup.', 'Sure, go ahead.'],
  ['Back again — the build and tests gave me trouble yesterday.', 'Happy to look. What happened?'],
  ['Hey, can you help me with something in the project setup?', 'Of course. What are you seeing?'],
];
const FILLERS: [string, string][] = [
  ['Let me run the test suite again and see.', 'Sure, paste the output when it finishes.'],
  ['Hold on, restarting the dev server and the containers.', 'OK, I will wait.'],
  ['I am checking the CI logs for the same error.', 'Good idea; compare the versions printed there with local.'],
  ['Give me a minute, my laptop is installing dependencies.', 'No problem.'],
];
const CLOSERS: [string, string][] = [
  ['Thanks, that is all for now.', 'You are welcome. The changes are in the working tree if you want to review them.'],
  ['Great, I will open a pull request.', 'Sounds good; mention the versions in the description.'],
  ['Perfect, the build is green again.', 'Glad it works. Anything else on the list?'],
  ['OK, I will try that after lunch.', 'Sure. Tell me how it goes.'],
];

/** A question: the session and the substantive turn (0-based) that answer it, or several for multi. */
interface Ask {
  kind: 'conversational' | 'rule' | 'multi';
  text: string;
  evidence: [string, number][];
}
const C = (session: string, turn: number, text: string): Ask => ({ kind: 'conversational', text, evidence: [[session, turn]] });
const R = (session: string, turn: number, text: string): Ask => ({ kind: 'rule', text, evidence: [[session, turn]] });
const M = (evidence: [string, number][], text: string): Ask => ({ kind: 'multi', text, evidence });

const ASKS: Ask[] = [
  C('hmr-1', 1, 'What did we upgrade so that editing a component updates the open page again without losing its state?'),
  C('hmr-2', 0, 'Why did live reloading look dead in the marketing site even though nothing was actually broken?'),
  C('hmr-3', 1, 'The new single-file-component compiler on the Windows box — what did we decide to keep using for local development?'),
  C('hmr-4', 0, 'Which patch release of the bundler broke instant updates when the element picker add-on was installed?'),
  C('hmr-5', 1, 'In the huge app with hundreds of screens, which release did the bisect blame for deep children forcing whole reloads?'),
  C('hmr-6', 1, 'Why did we go back to an older bundler version instead of catching the reload event?'),
  C('hmr-7', 1, 'How did we get styles refreshing live again after enabling on-demand utility generation?'),
  C('hmr-8', 1, 'What leftover file was stopping the functional-language sources from recompiling, and how do we keep it away?'),
  C('hmr-9', 1, 'What made the OCaml-flavoured React templates stop doing full refreshes on every save?'),
  C('jest-1', 1, 'What did we change in the common scripts package so pipelines stop waiting forever after green specs?'),
  C('jest-2', 1, 'How can the pipeline go red when a spec leaves resources dangling, given the tool has no option for it?'),
  C('jest-3', 1, 'What explained the roughly nine second lag before the workflow specs could finish?'),
  C('jest-4', 1, 'Is the leak warning we get when stopping the database container at the end of the run a real leak?'),
  C('jest-6', 0, 'Why is a repeating timer started after an await never reported by the leak finder?'),
  C('jest-7', 1, 'What did we think of combining the two flags that made the hanging run finish quietly?'),
  C('jest-8', 1, 'Where should suites run if we want timers firing after completion to be caught?'),
  C('prisma-1', 1, 'Can the extra throwaway database be skipped when applying schema changes in development?'),
  C('prisma-2', 0, 'The MariaDB setup where the dedicated scratch connection setting was ignored — what happened instead?'),
  C('prisma-3', 0, 'Our hosted account may only make tables; where did the refusal really come from when generating a schema change?'),
  C('prisma-4', 1, 'On the serverless Postgres host, how do we give the schema tool the temporary database it wants?'),
  C('prisma-5', 1, 'How should the stored procedure be written so the schema change applies cleanly?'),
  C('prisma-6', 1, 'Where does the documentation about the throwaway database live now that the short link is dead?'),
  C('oom-1', 1, 'How do we stop the transpiler from looking up its presets again for every single file?'),
  C('oom-2', 1, 'How much memory did we decide the mapping app needs for the minification step?'),
  C('oom-3', 0, 'Which pass of the minifier was running when the portal bundle ran out of room?'),
  C('oom-4', 1, 'Why did the bundle build fine on a laptop but never on the server even with a bigger limit?'),
  C('oom-5', 1, 'How did we make the larger memory ceiling apply to everyone building the desktop app, and what warns when it is too low?'),
  C('oom-7', 1, 'What number did we put in the container image build to let the create-react-app compile finish?'),
  C('oom-8', 1, 'What did we change in the cloud pipeline job after it died following the module transform step?'),
  C('reset-1', 0, 'Why did calls made one after another start dropping after the runtime upgrade to version 19?'),
  C('reset-2', 1, 'When is it safe to automatically resend a request whose connection was cut?'),
  C('reset-3', 0, 'What is going on when the load test against the server with a twenty second connection lifetime sees resets overnight?'),
  C('reset-4', 1, 'What change to the pooling library stops requests landing on a connection that is being torn down?'),
  C('reset-5', 1, 'Behind the reverse proxy that drops idle links after five seconds, how do we stop one poll in four from failing?'),
  C('reset-6', 1, 'Which server setting has to be longer than the ten second gap between the two containers calling each other?'),
  C('alias-1', 0, 'Can the import rewriting tool be hooked into the on-the-fly TypeScript runner?'),
  C('alias-2', 1, 'Why not monkey-patch module loading in the package we publish to npm?'),
  C('alias-3', 1, 'The data file imported through a shortcut path fails — where does that need configuring?'),
  C('alias-4', 1, 'What did we add to the component library build so shortcut imports turn into real file paths?'),
  C('alias-6', 1, 'Did deleting the tool\'s own settings block fix the hash-prefixed root mapping?'),
  C('alias-7', 1, 'With the newest module resolution mode, what do we use so shortcut imports work in the output?'),
  C('alias-8', 1, 'What was missing from the Rust transpiler settings that left the api shortcut unresolved?'),
  C('cors-1', 1, 'What header did the interceptor on port 8080 forget to send back to the page on port 3000?'),
  C('cors-2', 1, 'Where did we move the cookie permission so the Python API answers the browser check correctly?'),
  C('cors-3', 1, 'Why were plain GETs with cookies still refused after the URL shortener added its new option?'),
  C('cors-4', 1, 'How did we stop the framework answering the browser check with a star?'),
  C('pg-1', 1, 'What should the one-off task container use instead of the loopback address to reach the database?'),
  C('pg-2', 0, 'Why were the refused connections happening before any container was even running?'),
  C('pg-3', 1, 'From the host on macOS, what address reaches the database running in the container?'),
  C('pg-4', 1, 'What was wrong with the connection string for the spatial database image?'),
  C('pg-5', 1, 'If the admin web UI still cannot reach the server by name, what database setting do we check?'),
  C('pg-6', 1, 'Which host and port go into the PHP parameters file, and what is the other mapped port for?'),
  R('jest-5', 1, 'Can I add the quit-at-the-end flag to the pipeline command to get rid of the hang?'),
  R('oom-6', 1, 'I want to drop the node memory setting from the build script, it looks unnecessary. OK?'),
  R('alias-5', 1, 'Should the new backend module use an @-prefixed shortcut import?'),
  R('cors-5', 1, 'Should OPTIONS calls go through the login check like everything else?'),
  M([['hmr-4', 1], ['hmr-9', 1], ['hmr-1', 1]], 'Every time live updates broke and a newer plugin release was the cure — which conversations were those?'),
  M([['hmr-5', 1], ['hmr-6', 1]], 'Which times did we decide to stay on, or go back to, an older bundler release to keep live updates?'),
  M([['jest-3', 0], ['jest-4', 1]], 'When was a "did not exit" warning not caused by our own code at all?'),
  M([['jest-7', 1], ['jest-1', 1], ['jest-5', 1]], 'Everything we discussed about forcing the spec runner to quit at the end.'),
  M([['prisma-3', 1], ['prisma-4', 1], ['prisma-1', 1]], 'What did we conclude about the throwaway database when the hosted account cannot create databases?'),
  M([['oom-2', 1], ['oom-5', 1], ['oom-7', 1]], 'All the times we raised the memory ceiling for a build, and to what.'),
  M([['reset-5', 1], ['reset-6', 1]], 'Which conversations blamed an idle-connection timeout matching the polling period?'),
  M([['alias-2', 0], ['alias-3', 1], ['alias-7', 0]], 'Where did we learn that the compiler leaves import specifiers exactly as written?'),
  M([['cors-1', 1], ['cors-3', 1], ['cors-2', 1]], 'Every problem we had with the browser refusing cookies on cross-site calls.'),
  M([['pg-1', 1], ['pg-5', 0], ['pg-3', 1]], 'When did "localhost" turn out to mean the wrong container?'),
];

const hashUnit = (s: string) => crypto.createHash('sha256').update(s).digest().readUInt32BE(0) / 2 ** 32;
const turnOf = ([prompt, answer]: [string, string]): Turn => ({ prompt, tools: [], answer, commit: '', files: [] });

/** The conversational corpus: sessions with their chatter laid out, questions with their evidence turns. */
export function buildConversationCorpus(): HistoryCorpus & { sources: Record<string, string> } {
  const rnd = seeded(66);
  const sessions: HistorySession[] = [];
  const offset = new Map<string, number[]>();
  SESSIONS.forEach((s, i) => {
    const turns: [string, string][] = [OPENERS[Math.floor(rnd() * OPENERS.length)]!];
    const at: number[] = [];
    s.turns.forEach((t, j) => {
      if (j > 0 && rnd() < 0.5) turns.push(FILLERS[Math.floor(rnd() * FILLERS.length)]!);
      at.push(turns.length);
      turns.push(t);
    });
    turns.push(CLOSERS[Math.floor(rnd() * CLOSERS.length)]!);
    offset.set(s.key, at);
    // Sessions in the order above would put a subject's sessions on consecutive days: shuffle the days.
    const daysAgo = 2 + ((i * 37) % SESSIONS.length) + Math.round(rnd() * 8) / 24;
    sessions.push({ key: `conv-${s.key}`, history: CONVERSATION_HISTORY, daysAgo, kind: 'conversation', turns: turns.map(turnOf) });
  });
  const counts = new Map<string, number>();
  const questions: HistoryQuestion[] = ASKS.map((a) => {
    const n = counts.get(a.kind) ?? 0;
    counts.set(a.kind, n + 1);
    const id = `${CONVERSATION_HISTORY}-${a.kind}-${n}`;
    const evidence = a.evidence.map(([key, turn]) => {
      const at = offset.get(key)?.[turn];
      if (at === undefined) throw new Error(`question ${id}: no turn ${turn} in session ${key}`);
      return { session: `conv-${key}`, turn: at };
    });
    return { id, history: CONVERSATION_HISTORY, kind: a.kind, split: hashUnit(`split:${id}`) < 0.5 ? 'dev' : 'test', text: a.text, evidence };
  });
  return {
    histories: [{ name: CONVERSATION_HISTORY, repo: 'github issue threads (sources)', rev: '', sessions: sessions.length }],
    sessions,
    questions,
    sources: Object.fromEntries(SESSIONS.map((s) => [`conv-${s.key}`, s.source])),
  };
}
