// Drives an ElectroDB model (`vcs.mjs`, `catalog.mjs`) against DynamoDB,
// so that tests/electrodb.rs can run the real library on the same DynamoDB
// Local as the generated Rust code.
//
//   node run.mjs <model> <command> <table>    (requests as JSON on stdin)
//
// Commands, each taking a JSON array of requests and printing a JSON array
// of answers (one per request):
//   create  [{entity, item}]                       -> ElectroDB's `create`
//   get     [{entity, key}]                        -> the item's data or null
//   query   [{entity, index, key}]                 -> the items, in order
//   collect [{collection, key}]                    -> {entity: [items]}
//   patch   [{entity, key, set}]                   -> `patch().set()`
//   remove  [{entity, key}]                        -> `delete`
// The endpoint is DYNGEN_DYNAMODB_ENDPOINT.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

// All pages, as an application reading a whole partition would.
const all = { pages: "all" };

async function run(service, command, request) {
  const entity = request.entity && service.entities[request.entity];
  if (request.entity && !entity) throw new Error(`no entity ${request.entity}`);
  switch (command) {
    case "create":
      return (await entity.create(request.item).go()).data;
    case "get":
      return (await entity.get(request.key).go()).data;
    case "query": {
      const index = entity.query[request.index];
      if (!index) throw new Error(`no index ${request.index} on ${request.entity}`);
      return (await index(request.key).go(all)).data;
    }
    case "collect": {
      const collection = service.collections[request.collection];
      if (!collection) throw new Error(`no collection ${request.collection}`);
      return (await collection(request.key).go(all)).data;
    }
    case "patch":
      return (await entity.patch(request.key).set(request.set).go({ response: "all_new" })).data;
    case "remove":
      await entity.delete(request.key).go();
      return null;
    default:
      throw new Error(`unknown command ${command}`);
  }
}

async function main() {
  const [model, command, table] = process.argv.slice(2);
  const endpoint = process.env.DYNGEN_DYNAMODB_ENDPOINT;
  if (!model || !command || !table || !endpoint) {
    throw new Error("usage: DYNGEN_DYNAMODB_ENDPOINT=.. node run.mjs <model> <command> <table> < requests.json");
  }
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "dyngen", secretAccessKey: "dyngen" },
  });
  if (!/^[a-z]+$/.test(model)) throw new Error(`no model ${model}`);
  const { service: define } = await import(`./${model}.mjs`);
  const service = define(client, table);
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const answers = [];
  for (const request of JSON.parse(input)) {
    answers.push(await run(service, command, request));
  }
  process.stdout.write(JSON.stringify(answers));
}

main().catch((error) => {
  process.stderr.write(`electrodb: ${error.stack || error}\n`);
  process.exit(1);
});
