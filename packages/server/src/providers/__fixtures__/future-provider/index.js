export default { specificationVersion: "v9", name: "future", settings: {}, create() {} };
