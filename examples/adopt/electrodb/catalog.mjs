// The catalog model of ../schema/electrodb-catalog.dyn, written in ElectroDB
// (3.x): what the version-control model does not show. A model name and
// version of its own (`product`, "2"), a collection on the table's own
// index, numbers and booleans in keys, a key with `casing: "none"`, and an
// index with no sort key. `run.mjs` drives it.
import { Entity, Service } from "electrodb";

export function service(client, table) {
  const config = { client, table };
  const Product = new Entity(
    {
      model: { entity: "product", version: "2", service: "catalog" },
      attributes: {
        sku: { type: "string", required: true },
        title: { type: "string", required: true },
        category: { type: "string", required: true },
        price: { type: "number", required: true },
        inStock: { type: "boolean", required: true },
      },
      indexes: {
        product: {
          collection: "productPage",
          pk: { field: "pk", composite: ["sku"] },
          sk: { field: "sk", composite: [] },
        },
        byCategory: {
          index: "gsi1pk-gsi1sk-index",
          pk: { field: "gsi1pk", composite: ["category"] },
          sk: { field: "gsi1sk", composite: ["inStock", "price"], casing: "none" },
        },
        byTitle: {
          index: "gsi2pk-index",
          pk: { field: "gsi2pk", composite: ["title"] },
        },
      },
    },
    config,
  );
  const Review = new Entity(
    {
      model: { entity: "Review", version: "1", service: "catalog" },
      attributes: {
        sku: { type: "string", required: true },
        reviewId: { type: "string", required: true },
        stars: { type: "number", required: true },
        body: { type: "string", required: true },
      },
      indexes: {
        review: {
          collection: "productPage",
          pk: { field: "pk", composite: ["sku"] },
          sk: { field: "sk", composite: ["reviewId"] },
        },
      },
    },
    config,
  );
  return new Service({ product: Product, review: Review }, config);
}
