import { x } from "@app/config";
console.log("w", x);
